//! Postgres statistics dumps (pg_stat_* views) and SQL fingerprints.
