//! System usage snapshots (top, ps, free, df, du, vmstat, /proc files).
