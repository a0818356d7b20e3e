//! Versions known to be compromised, shipped in the binary.
//!
//! The list follows public incidents; `*` marks a package whose every
//! version is malicious. Matching is by exact name and version.
//!
//! # Limitations
//! A fixed list, updated with the source: it is no advisory database and
//! names only the npm supply-chain incidents of 2018-2022.

const LIST: &[(&str, &str, &str)] = &[
    (
        "event-stream",
        "3.3.6",
        "depends on malicious flatmap-stream (Nov 2018, GHSA-mh6f-8j2x-4483)",
    ),
    (
        "flatmap-stream",
        "*",
        "malicious package of the event-stream incident (2018)",
    ),
    (
        "ua-parser-js",
        "0.7.29",
        "hijacked release: cryptominer and password stealer (Oct 2021)",
    ),
    (
        "ua-parser-js",
        "0.8.0",
        "hijacked release: cryptominer and password stealer (Oct 2021)",
    ),
    (
        "ua-parser-js",
        "1.0.0",
        "hijacked release: cryptominer and password stealer (Oct 2021)",
    ),
    ("coa", "2.0.3", "hijacked release (Nov 2021)"),
    ("coa", "2.0.4", "hijacked release (Nov 2021)"),
    ("coa", "2.1.1", "hijacked release (Nov 2021)"),
    ("coa", "2.1.3", "hijacked release (Nov 2021)"),
    ("coa", "3.0.1", "hijacked release (Nov 2021)"),
    ("coa", "3.1.3", "hijacked release (Nov 2021)"),
    ("rc", "1.2.9", "hijacked release (Nov 2021)"),
    ("rc", "1.3.9", "hijacked release (Nov 2021)"),
    ("rc", "2.3.9", "hijacked release (Nov 2021)"),
    ("colors", "1.4.1", "protestware: infinite loop (Jan 2022)"),
    ("colors", "1.4.2", "protestware: infinite loop (Jan 2022)"),
    (
        "colors",
        "1.4.44-liberty-2",
        "protestware: infinite loop (Jan 2022)",
    ),
    (
        "faker",
        "6.6.6",
        "protestware: sabotaged release (Jan 2022)",
    ),
    (
        "node-ipc",
        "9.2.2",
        "protestware: depends on peacenotwar (Mar 2022)",
    ),
    (
        "node-ipc",
        "10.1.1",
        "malicious wiper (CVE-2022-23812, Mar 2022)",
    ),
    (
        "node-ipc",
        "10.1.2",
        "malicious wiper (CVE-2022-23812, Mar 2022)",
    ),
    ("node-ipc", "10.1.3", "node-ipc incident release (Mar 2022)"),
    (
        "node-ipc",
        "11.0.0",
        "protestware: depends on peacenotwar (Mar 2022)",
    ),
    (
        "node-ipc",
        "11.1.0",
        "protestware: depends on peacenotwar (Mar 2022)",
    ),
    (
        "peacenotwar",
        "*",
        "protestware pulled in by node-ipc (Mar 2022)",
    ),
];

/// The incident note when `name@version` is on the list.
pub fn lookup(name: &str, version: &str) -> Option<&'static str> {
    LIST.iter()
        .find(|(n, v, _)| *n == name && (*v == "*" || *v == version))
        .map(|(_, _, note)| *note)
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_entries() {
        assert!(super::lookup("event-stream", "3.3.6").is_some());
        assert!(super::lookup("event-stream", "3.3.4").is_none());
        assert!(super::lookup("flatmap-stream", "0.1.0").is_some());
        assert!(super::lookup("colors", "1.4.44-liberty-2").is_some());
    }
}
