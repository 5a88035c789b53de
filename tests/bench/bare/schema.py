"""The bare benchmark app's one table (created by the benchmark with SQL)."""

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bare_report (
    id bigserial PRIMARY KEY, tracking_id varchar(12) UNIQUE NOT NULL, type varchar(16) NOT NULL,
    category varchar(40) NOT NULL, title varchar(200) NOT NULL, text text NOT NULL,
    privacy varchar(16) NOT NULL, reporter_email text NOT NULL, submitted_at timestamptz NOT NULL
)
"""
