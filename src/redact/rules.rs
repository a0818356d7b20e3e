//! The detectors: each rule names a kind, a regex, and which part of a
//! match is the secret (the group named `v`, else the whole match). The
//! order is the priority: where two matches overlap, the earlier rule wins,
//! so a GitHub token inside `token=...` is reported as a GitHub token.

use regex::Regex;
use std::net::IpAddr;

/// What a rule's value is hashed as. Values of one class share tokens
/// whatever rule found them: a password seen in a URL and in `password=`
/// gets one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Secret,
    Email,
    Ip,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Secret => "secret",
            Class::Email => "email",
            Class::Ip => "ip",
        }
    }
}

/// How a match turns into secret spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The group `v` (or the whole match) is one secret.
    Value,
    /// The group `v` is a cookie list: each pair's value is a secret.
    Cookies,
    /// The match is an address; it must parse and keeps its class.
    Ip,
    /// An email address, unless it is the user part of a URL.
    Email,
}

pub struct Rule {
    pub kind: String,
    pub class: Class,
    pub shape: Shape,
    pub regex: Regex,
}

/// Characters that end an unquoted assigned value.
const VALUE: &str = r#"[^\s,;&"'`<>(){}\[\]\\]+"#;

/// Key names whose assigned value is a secret.
const SECRET_KEY: &str = r"[A-Za-z0-9_.-]*(?i:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*";

/// The built-in rules, in priority order; IP addresses only when asked.
pub fn builtin(ips: bool) -> Vec<Rule> {
    let assignment = format!(
        r#"(?:\\?["'])?{SECRET_KEY}(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?"(?P<v>[^"\\\r\n]+)|'(?P<v2>[^'\r\n]+)'|(?P<v3>{VALUE}))"#
    );
    let flag = format!(r"(?:^|\s)--{SECRET_KEY}[ \t]+(?P<v>[^\s-]\S*)");
    let table: Vec<(&str, Class, Shape, String)> = vec![
        (
            "private-key",
            Class::Secret,
            Shape::Value,
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)"
                .into(),
        ),
        (
            "jwt",
            Class::Secret,
            Shape::Value,
            r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}".into(),
        ),
        (
            "aws-access-key",
            Class::Secret,
            Shape::Value,
            r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{12,}\b".into(),
        ),
        (
            "aws-secret-key",
            Class::Secret,
            Shape::Value,
            r#"(?i:aws_?secret_?(?:access_?)?key|secretaccesskey)["']?[ \t]*[:=][ \t]*["']?(?P<v>[A-Za-z0-9/+=]{30,})"#
                .into(),
        ),
        (
            "github-token",
            Class::Secret,
            Shape::Value,
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})".into(),
        ),
        (
            "slack-token",
            Class::Secret,
            Shape::Value,
            r"\bxox[abprs]-[A-Za-z0-9-]{10,}".into(),
        ),
        (
            "stripe-key",
            Class::Secret,
            Shape::Value,
            r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}".into(),
        ),
        (
            "google-api-key",
            Class::Secret,
            Shape::Value,
            r"\bAIza[0-9A-Za-z_-]{30,}".into(),
        ),
        (
            "url-password",
            Class::Secret,
            Shape::Value,
            // The password runs to the last `@` before the host: one
            // holding a raw `@` (`pa@ss`) is redacted whole.
            r#"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@"'<>]*:(?P<v>[^\s/"'<>]+)@"#.into(),
        ),
        (
            "authorization",
            Class::Secret,
            Shape::Value,
            r#"(?i:\b(?:proxy-)?authorization)["']?[ \t]*[:=][ \t]*["']?(?i:(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]+)?(?P<v>[^\s"',;]+)"#
                .into(),
        ),
        (
            "cookie",
            Class::Secret,
            Shape::Cookies,
            r#"(?i:\b(?:set-)?cookie)["']?[ \t]*[:=][ \t]*["']?(?P<v>[^"'\r\n]+)"#.into(),
        ),
        ("password", Class::Secret, Shape::Value, assignment),
        ("password", Class::Secret, Shape::Value, flag),
        (
            "password",
            Class::Secret,
            Shape::Value,
            // SQL: ALTER ROLE x PASSWORD '...', CREATE USER x IDENTIFIED BY '...'
            r"(?i:\bpassword|\bidentified\s+by)\s+'(?P<v>[^'\r\n]+)'".into(),
        ),
        (
            "email",
            Class::Email,
            Shape::Email,
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b".into(),
        ),
    ];
    let mut rules: Vec<Rule> = table
        .into_iter()
        .map(|(kind, class, shape, re)| Rule {
            kind: kind.to_string(),
            class,
            shape,
            regex: Regex::new(&re).expect("built-in redaction regex compiles"),
        })
        .collect();
    if ips {
        rules.push(Rule {
            kind: "ip".into(),
            class: Class::Ip,
            shape: Shape::Ip,
            // IPv4, or IPv6 with at least two colons; both are checked by
            // parsing, so times such as 16:20:00 are left alone.
            regex: Regex::new(
                r"(?i)\b(?:\d{1,3}\.){3}\d{1,3}\b|(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}",
            )
            .expect("built-in redaction regex compiles"),
        });
    }
    rules
}

/// The class kept in an IP token: `loopback`, `private` (RFC 1918,
/// link-local, shared address space, unique local) or `public`.
pub fn ip_class(text: &str) -> Option<&'static str> {
    let ip: IpAddr = text.parse().ok()?;
    Some(match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                "loopback"
            } else if v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..128).contains(&b))
            {
                "private"
            } else {
                "public"
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                "loopback"
            } else if v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
            {
                "private"
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                return ip_class(&v4.to_string());
            } else {
                "public"
            }
        }
    })
}

/// Whether an address candidate is not a piece of something longer: a
/// Rust path (`std::io`), a version (`v1.2.3.4`, `1.2.3.4.5`), a word.
pub fn stands_alone(s: &str, start: usize, end: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let before = s[..start].chars().next_back();
    let mut after = s[end..].chars();
    let next = after.next();
    let dotted = next == Some('.') && after.next().is_some_and(|c| c.is_ascii_digit());
    !before.is_some_and(|c| word(c) || c == '.' || c == ':') && !next.is_some_and(word) && !dotted
}

/// Cookie attributes whose values are not secrets.
pub fn is_cookie_attribute(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    matches!(
        n.as_str(),
        "path" | "domain" | "expires" | "max-age" | "samesite" | "priority"
    )
}

/// Values that hold no secret: placeholders, the miner's `<*>`, and the
/// settings whose name holds a secret's key but whose value names a
/// method (`password_encryption = scram-sha-256`).
pub fn is_placeholder(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    let method = matches!(
        l.as_str(),
        "scram-sha-256" | "md5" | "on" | "off" | "yes" | "no" | "required" | "optional"
    );
    method
        || l.is_empty()
        || l.contains("<*>")
        || l.chars().all(|c| c == '*' || c == 'x' || c == '.')
        || matches!(
            l.as_str(),
            "null" | "none" | "nil" | "true" | "false" | "undefined" | "[redacted]" | "[filtered]"
        )
}
