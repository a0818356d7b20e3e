//! Redaction: the last stage before a renderer, so that a report can be
//! attached to a public bug report.
//!
//! Every string of the finished [`Report`] that a renderer writes goes
//! through one [`Redactor`]. Secrets are found by shape (known token
//! formats, private-key blocks, JWTs), by context (URL passwords,
//! `Authorization` and cookie headers, `password=`-like assignments, secret
//! command-line flags) and by user rules; emails always, IP addresses on
//! request. Each is replaced by a token, `<kind:8 hex>` (IPs keep their
//! class: `<ip:private:8 hex>`). With a kept key the hex is the start of
//! HMAC-SHA256(key, class|value), so one value gets one token across
//! reports (and batch runs can match them); without a key it is the
//! value's number in the report, in order of first appearance, so the
//! same bundle gives a byte-identical report on every run. Either way one
//! value gets one token throughout the report, and a token cannot be
//! turned back into its value.
//!
//! A second pass then replaces every other occurrence of a value found in
//! the first, so a password quoted bare elsewhere (a template parameter, a
//! command line) does not survive because its context was lost.
//!
//! # Limitations
//! - A secret with neither a known shape nor a telling key (a bare
//!   password in free text) is found only if it also appears with one.
//! - A bare four-part version number (`1.2.3.4`) is an IPv4 address to
//!   `--redact-ips`.
//! - Markdown viewers such as GitHub's take a token outside a code span
//!   for an autolink and drop its angle brackets; the text stays.
//! - A value found by two kinds counts under both in `redactions`.
//! - Digest `Authorization` values are redacted up to their first comma.
//! - Only the `analyze` report is redacted; `timeline` and `signatures`
//!   print log lines as written.

mod rules;
mod walk;

use crate::report::Report;
use hmac::{KeyInit, Mac};
use regex::Regex;
use rules::{Class, Rule, Shape};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A user rule as written in a `--redact-rules` file.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UserRule {
    pub name: String,
    /// What matches is redacted; when it has a group named `v`, only that
    /// group.
    pub regex: String,
}

/// Why a redaction setting could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a list of {{\"name\", \"regex\"}} rules: {source}")]
    Rules {
        path: String,
        source: serde_json::Error,
    },
    #[error("redaction rule {name}: {source}")]
    Regex { name: String, source: regex::Error },
    #[error("{what}: the redaction key is empty")]
    EmptyKey { what: String },
}

/// Reads a key file: its bytes, without a trailing newline.
pub fn key_from_file(path: &Path) -> Result<Vec<u8>, Error> {
    let mut key = std::fs::read(path).map_err(|source| Error::Read {
        path: path.display().to_string(),
        source,
    })?;
    while key.last().is_some_and(|b| b.is_ascii_whitespace()) {
        key.pop();
    }
    if key.is_empty() {
        return Err(Error::EmptyKey {
            what: path.display().to_string(),
        });
    }
    Ok(key)
}

/// Reads a `--redact-rules` file: a JSON list of `{name, regex}`.
pub fn rules_from_file(path: &Path) -> Result<Vec<UserRule>, Error> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: p.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Rules { path: p, source })
}

/// The report header's line on redaction: what was replaced, or that the
/// report was made with `--no-redact`.
pub fn summary_line(counts: Option<&BTreeMap<String, u64>>) -> String {
    match counts {
        None => "Not redacted (`--no-redact`): review it before sharing.".into(),
        Some(c) if c.is_empty() => "Redacted: nothing found to redact.".into(),
        Some(c) => {
            let kinds: Vec<String> = c.iter().map(|(k, n)| format!("{n} {k}")).collect();
            format!("Redacted (distinct values): {}.", kinds.join(", "))
        }
    }
}

/// One secret found in a string: a byte range and what it is.
struct Span {
    start: usize,
    end: usize,
    kind: usize,
    /// The IP class kept in the token.
    ip: Option<&'static str>,
}

/// What a token looks like, for not redacting one again.
const TOKEN: &str = r"<[a-z0-9-]+:(?:[a-z]+:)?[0-9a-f]{8}>";

/// Finds secrets and hands out their tokens; counts distinct values.
pub struct Redactor {
    /// The HMAC key; `None` numbers values instead.
    key: Option<Vec<u8>>,
    /// Without a key: the number handed to each (token prefix, value).
    numbers: BTreeMap<(String, String), u32>,
    rules: Vec<Rule>,
    /// Kind name to the distinct tokens it handed out.
    seen: BTreeMap<String, BTreeSet<String>>,
    /// Every value replaced so far, and its token, for the second pass.
    known: BTreeMap<String, String>,
    /// `known`, longest value first (so a value containing another goes
    /// whole), as of the last [`Redactor::freeze`].
    longest_first: Vec<(String, String)>,
    is_token: Regex,
    token_in_text: Regex,
}

/// Whether a secret value is searched for in the second pass: long enough
/// and mixed enough not to be an ordinary word (`postgres` as a password
/// must not take the word out of the whole report).
fn distinctive(v: &str) -> bool {
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    v.chars().count() >= 8 && classes.iter().filter(|&&c| c).count() >= 2
}

impl Redactor {
    /// Keyed tokens: built-in rules, IPs when `ips`, then the user's rules.
    pub fn new(key: Vec<u8>, ips: bool, user: &[UserRule]) -> Result<Redactor, Error> {
        Redactor::with(Some(key), ips, user)
    }

    /// Numbered tokens (no key), otherwise as [`Redactor::new`].
    pub fn numbered(ips: bool, user: &[UserRule]) -> Result<Redactor, Error> {
        Redactor::with(None, ips, user)
    }

    fn with(key: Option<Vec<u8>>, ips: bool, user: &[UserRule]) -> Result<Redactor, Error> {
        let mut rules = rules::builtin(ips);
        for u in user {
            let regex = Regex::new(&u.regex).map_err(|source| Error::Regex {
                name: u.name.clone(),
                source,
            })?;
            let kind: String = u
                .name
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            rules.push(Rule {
                kind,
                class: Class::Secret,
                shape: Shape::Value,
                regex,
            });
        }
        Ok(Redactor {
            key,
            numbers: BTreeMap::new(),
            rules,
            seen: BTreeMap::new(),
            known: BTreeMap::new(),
            longest_first: Vec::new(),
            is_token: Regex::new(&format!("^{TOKEN}$")).expect("compiles"),
            token_in_text: Regex::new(TOKEN).expect("compiles"),
        })
    }

    /// Redacts the report in place and records the counts in it.
    pub fn redact_report(&mut self, report: &mut Report) {
        walk::report(self, report);
        report.redactions = Some(self.counts());
    }

    /// Distinct values redacted, by kind.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.seen
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as u64))
            .collect()
    }

    /// The first pass over one string: every rule, earlier rules first.
    pub fn text(&mut self, s: &str) -> String {
        let spans = self.spans(s);
        self.apply(s, &spans)
    }

    /// A setting's value (pg_settings, a configuration file) redacted as
    /// postgresql.conf would hold it, `name = 'value'`, so that a value
    /// with spaces (`echo pass`) is one value to the rules keyed on the
    /// name.
    pub fn setting(&mut self, name: &str, v: &str) -> String {
        let quoted = !v.contains(['\'', '\\']);
        let line = if quoted {
            self.text(&format!("{name} = '{v}'"))
        } else {
            self.text(&format!("{name} = {v}"))
        };
        // The name is kept as it was unless a rule took part of it; then the
        // whole redacted line is the value shown.
        let Some(value) = line.strip_prefix(&format!("{name} = ")) else {
            return line;
        };
        match (
            quoted,
            value.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')),
        ) {
            (true, Some(inner)) => inner.to_string(),
            _ => value.to_string(),
        }
    }

    /// The token that replaces a value, as `text` would write it.
    fn token(&mut self, span: &Span, value: &str) -> String {
        let rule = &self.rules[span.kind];
        let prefix = match span.ip {
            Some(class) => format!("ip:{class}"),
            None => rule.kind.clone(),
        };
        let hex = match &self.key {
            Some(key) => {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
                    .expect("HMAC takes a key of any length");
                mac.update(rule.class.as_str().as_bytes());
                mac.update(b"|");
                mac.update(value.as_bytes());
                let digest = mac.finalize().into_bytes();
                digest[..4].iter().map(|b| format!("{b:02x}")).collect()
            }
            None => {
                let next = self.numbers.len() as u32 + 1;
                let n = *self
                    .numbers
                    .entry((prefix.clone(), value.to_string()))
                    .or_insert(next);
                format!("{n:08x}")
            }
        };
        let token = format!("<{prefix}:{hex}>");
        self.seen
            .entry(rule.kind.clone())
            .or_default()
            .insert(token.clone());
        if rule.class != Class::Secret || distinctive(value) {
            self.known.insert(value.to_string(), token.clone());
        }
        token
    }

    fn apply(&mut self, s: &str, spans: &[Span]) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for sp in spans {
            out.push_str(&s[last..sp.start]);
            let token = self.token(sp, &s[sp.start..sp.end]);
            out.push_str(&token);
            last = sp.end;
        }
        out.push_str(&s[last..]);
        out
    }

    /// Secret spans of `s`, sorted and without overlaps.
    fn spans(&self, s: &str) -> Vec<Span> {
        // Tokens already in the text are left whole: `<password:1a2b3c4d>`
        // reads like an assignment.
        let tokens: Vec<(usize, usize)> = self
            .token_in_text
            .find_iter(s)
            .map(|m| (m.start(), m.end()))
            .collect();
        let mut taken: Vec<Span> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            for caps in rule.regex.captures_iter(s) {
                let m = ["v", "v2", "v3"]
                    .iter()
                    .find_map(|g| caps.name(g))
                    .unwrap_or_else(|| caps.get(0).expect("group 0"));
                for (start, end, ip) in self.candidates(rule, s, m.start(), m.end()) {
                    let value = &s[start..end];
                    if rules::is_placeholder(value) || self.is_token.is_match(value) {
                        continue;
                    }
                    let overlaps = |a: usize, b: usize| start < b && a < end;
                    if taken.iter().any(|t| overlaps(t.start, t.end))
                        || tokens.iter().any(|&(a, b)| overlaps(a, b))
                    {
                        continue;
                    }
                    taken.push(Span {
                        start,
                        end,
                        kind: i,
                        ip,
                    });
                }
            }
        }
        taken.sort_by_key(|t| t.start);
        taken
    }

    /// The secret ranges one match of `rule` yields.
    fn candidates(
        &self,
        rule: &Rule,
        s: &str,
        start: usize,
        end: usize,
    ) -> Vec<(usize, usize, Option<&'static str>)> {
        let text = &s[start..end];
        match rule.shape {
            Shape::Value => vec![(start, trim_end(s, start, end), None)],
            Shape::Ip if !rules::stands_alone(s, start, end) => Vec::new(),
            Shape::Ip => rules::ip_class(text)
                .map(|c| vec![(start, end, Some(c))])
                .unwrap_or_default(),
            // `user@host` right after `scheme://` is a URL, not an email.
            Shape::Email if s[..start].ends_with("://") => Vec::new(),
            Shape::Email => vec![(start, end, None)],
            Shape::Cookies => cookie_values(text)
                .into_iter()
                .map(|(a, b)| (start + a, start + b, None))
                .collect(),
        }
    }

    /// Ends the first pass: what it found is what the second looks for.
    pub fn freeze(&mut self) {
        let mut v: Vec<(String, String)> = self.known.clone().into_iter().collect();
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        self.longest_first = v;
    }

    /// The second pass: replaces values found by the first pass (up to the
    /// last [`Redactor::freeze`]) wherever else they stand, when not part
    /// of a longer word.
    pub fn known_values(&self, s: &str) -> String {
        if self.longest_first.is_empty() {
            return s.to_string();
        }
        let mut out = s.to_string();
        for (value, token) in &self.longest_first {
            if out.contains(value.as_str()) {
                out = replace_whole(&out, value, token);
            }
        }
        out
    }
}

/// Drops trailing sentence punctuation from an unquoted value: a full
/// stop, colon or ellipsis. `!` and `?` end passwords (`Summer2026!`) more
/// often than sentences in logs, so they stay part of the value.
fn trim_end(s: &str, start: usize, end: usize) -> usize {
    let v = &s[start..end];
    let kept = v.trim_end_matches(['.', ':', '…']);
    if kept.is_empty() {
        end
    } else {
        start + kept.len()
    }
}

/// Replaces `value` where it does not continue a word on either side.
fn replace_whole(s: &str, value: &str, token: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in s.match_indices(value) {
        if i < last {
            continue;
        }
        let before = s[..i].chars().next_back();
        let after = s[i + value.len()..].chars().next();
        if word(before) || word(after) {
            continue;
        }
        out.push_str(&s[last..i]);
        out.push_str(token);
        last = i + value.len();
    }
    out.push_str(&s[last..]);
    out
}

/// Byte ranges of the values in a cookie list (`a=1; b=2`), leaving
/// `Set-Cookie` attributes such as `Path` alone.
fn cookie_values(list: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for part in list.split(';') {
        if let Some(eq) = part.find('=') {
            let name = &part[..eq];
            let value = &part[eq + 1..];
            let lead = value.len() - value.trim_start().len();
            let v = value.trim();
            if !v.is_empty() && !rules::is_cookie_attribute(name) {
                let start = offset + eq + 1 + lead;
                out.push((start, start + v.len()));
            }
        }
        offset += part.len() + 1;
    }
    out
}

#[cfg(test)]
mod tests;
