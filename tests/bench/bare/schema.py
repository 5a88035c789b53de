"""The bare benchmark app's one table (created by the benchmark with SQL), shaped like complaints_report."""

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bare_report (
    id bigserial PRIMARY KEY, tracking_id varchar(12) UNIQUE NOT NULL, type varchar(16) NOT NULL,
    category varchar(40) NOT NULL, title varchar(200) NOT NULL, original_title varchar(200) NOT NULL,
    text text NOT NULL, privacy varchar(16) NOT NULL, channel varchar(16) NOT NULL,
    reporter_name text NOT NULL, reporter_phone text NOT NULL, reporter_email text NOT NULL,
    reporter_nik text NOT NULL, latitude numeric(9, 6), longitude numeric(9, 6), address varchar(300) NOT NULL,
    kecamatan varchar(100) NOT NULL, kelurahan varchar(100) NOT NULL, status varchar(16) NOT NULL,
    submitted_at timestamptz NOT NULL
)
"""
