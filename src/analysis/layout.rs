//! Hosts and services named by where a file sits in a known bundle layout.
//!
//! - sosreport (sos 3 and 4): the archive's top folder is
//!   `sosreport-HOST[.CASE]-YYYYMMDDHHMMSS` (the legacy name) or
//!   `sosreport-HOST[-LABEL][-CASE]-YYYY-MM-DD-xxxxxxx` (the friendly one),
//!   so every file below it is of HOST; files copied from the host keep
//!   their path (`var/log/nginx/error.log`: service `nginx`;
//!   `var/log/messages`: service `messages`), and command output sits in
//!   `sos_commands/PLUGIN/` (service PLUGIN). A sos-collector archive of
//!   several sosreports gives each its own host, at any depth.
//! - troubleshoot.sh support bundles: container logs are at
//!   `cluster-resources/pods/logs/NAMESPACE/POD/CONTAINER.log` (and
//!   `CONTAINER-previous.log` for the container's run before its restart):
//!   host POD, service `NAMESPACE/CONTAINER`.
//!
//! # Limitations
//! - In a friendly sosreport name, a label or case id cannot be told from
//!   a host name that has dashes; a last part of five or more digits is
//!   taken for a case id, anything else stays in the host name.
//! - troubleshoot's `logs` collector writes to a path named in its spec
//!   (`NAME/POD/CONTAINER.log`); such files get no host or service here.
//! - The node a pod ran on is not read from `cluster-resources/pods/`.

use regex::Regex;
use std::sync::LazyLock;

/// What a path says of where its file came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub host: Option<String>,
    pub service: Option<String>,
}

static SOSREPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^sosreport-(?P<name>.+?)
        (?: (?:\.[^-]+)?-\d{14}                     # legacy: -YYYYMMDDHHMMSS
          | -\d{4}-\d\d-\d\d-[a-z]{7}               # friendly: -YYYY-MM-DD-rand
        )$",
    )
    .unwrap()
});

static CASE_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-\d{5,}$").unwrap());

/// Archive suffixes a sosreport's name carries when it is itself a
/// member of the bundle (`sosreport-web1-....tar.xz/`).
const ARCHIVE: [&str; 6] = [".tar.xz", ".tar.gz", ".tar.bz2", ".tar.zst", ".tar", ".zip"];

/// The host and service `path`'s folders name, if it sits in a known
/// layout.
pub fn place(path: &str) -> Place {
    let parts: Vec<&str> = path.split('/').collect();
    let mut out = Place::default();
    // The innermost sosreport folder wins (a collector holds several).
    for (i, part) in parts.iter().enumerate() {
        let bare = ARCHIVE
            .iter()
            .find_map(|s| part.strip_suffix(s))
            .unwrap_or(part);
        if let Some(c) = SOSREPORT.captures(bare) {
            let name = CASE_ID.replace(&c["name"], "").into_owned();
            out.host = Some(name);
            out.service = sos_service(&parts[i + 1..]);
        }
    }
    if let Some(p) = troubleshoot_pod(&parts) {
        return p;
    }
    out
}

/// The service of a file inside a sosreport, from the rest of its path.
fn sos_service(rest: &[&str]) -> Option<String> {
    // A nested archive of the same report repeats its folder first.
    let rest = match rest.first() {
        Some(first) if first.starts_with("sosreport-") => &rest[1..],
        _ => rest,
    };
    match rest {
        ["var", "log", dir, _, ..] => Some(dir.to_string()),
        ["var", "log", file] => Some(file.split('.').next().unwrap_or(file).to_string()),
        ["sos_commands", plugin, _, ..] => Some(plugin.to_string()),
        _ => None,
    }
}

/// `cluster-resources/pods/logs/NAMESPACE/POD/CONTAINER.log`.
fn troubleshoot_pod(parts: &[&str]) -> Option<Place> {
    let at = parts
        .windows(3)
        .position(|w| w == ["cluster-resources", "pods", "logs"])?;
    let [ns, pod, file] = parts.get(at + 3..)? else {
        return None;
    };
    let container = file.strip_suffix(".log")?;
    let container = container.strip_suffix("-previous").unwrap_or(container);
    Some(Place {
        host: Some(pod.to_string()),
        service: Some(format!("{ns}/{container}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(host: &str, service: &str) -> Place {
        Place {
            host: Some(host.into()),
            service: (!service.is_empty()).then(|| service.into()),
        }
    }

    #[test]
    fn sosreport_names_legacy_and_friendly() {
        let cases = [
            (
                "sosreport-db1-20261204162345/var/log/messages",
                p("db1", "messages"),
            ),
            (
                "sosreport-db1.01234567-20261204162345/var/log/messages",
                p("db1", "messages"),
            ),
            (
                "sosreport-web-01-2026-12-04-qwertyu/var/log/nginx/access.log.1",
                p("web-01", "nginx"),
            ),
            (
                "sosreport-web-01-01234567-2026-12-04-qwertyu/sos_commands/kernel/dmesg",
                p("web-01", "kernel"),
            ),
            (
                "sosreport-web-01-2026-12-04-qwertyu/proc/stat",
                p("web-01", ""),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(place(path), want, "{path}");
        }
    }

    #[test]
    fn sos_collector_gives_each_report_its_host() {
        let a = "sos-collector-2026-12-04-abcde/sosreport-app1-2026-12-04-abcdefg.tar.xz/\
                 sosreport-app1-2026-12-04-abcdefg/var/log/app/app.log";
        assert_eq!(place(a), p("app1", "app"));
    }

    #[test]
    fn troubleshoot_container_logs() {
        let path = "support-bundle-2026-12-04T16_23_45/cluster-resources/pods/logs/\
                    shop/api-7d9f8b6c5-x2x4q/api-previous.log";
        assert_eq!(place(path), p("api-7d9f8b6c5-x2x4q", "shop/api"));
        assert_eq!(
            place("support-bundle-x/cluster-resources/pods/shop.json"),
            Place::default()
        );
        assert_eq!(place("logs/app/api-1.log"), Place::default());
    }
}
