"""The counters of the monthly sums, shared by the aggregation, the hub's totals and the pages."""

MONTH_COUNTERS = (
    "received", "verified", "verified_on_time", "disposed", "first_n", "first_on_time", "answered", "completed",
    "reopened", "rating_sum", "rating_n", "breaches", "open",
)  # fmt: skip
