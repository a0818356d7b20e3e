//! The knowledge base: real error texts of Node, pg, ioredis, Postgres,
//! Redis, nginx and the Linux kernel, each mapped to a tier and, where it
//! is one, a problem on the connection between two tiers.
//!
//! Entries are data, shipped as `kb.json` beside this file and read at
//! start-up; `--kb FILE` adds a user's entries in the same shape, ahead of
//! the built-in ones.
//!
//! # Limitations
//! - Matching is by regex on the first line of a message; an error whose
//!   telling text is only in its stack trace is not classified.

use crate::model::Tier;
use regex::Regex;
use serde::Deserialize;

/// One known error text.
#[derive(Debug, Clone, Deserialize)]
pub struct KbEntryDef {
    /// Stable machine name, e.g. `pg.too_many_clients`.
    pub kind: String,
    /// Case-insensitive regex over a message's first line.
    pub pattern: String,
    pub tier: Tier,
    /// Connection problem class, when the text is about reaching another
    /// tier: refused, timeout, reset, dns, auth, tls, limit.
    #[serde(default)]
    pub connection: Option<String>,
    /// The tier on the far side of the connection.
    #[serde(default)]
    pub peer: Option<Tier>,
    /// How much a match weighs in ranking, 1 (noise) to 10 (outage).
    pub weight: f64,
    /// One sentence an engineer reads: what it means.
    pub meaning: String,
    /// Marks a restart, deploy or start of a service: a candidate cause.
    #[serde(default)]
    pub lifecycle: bool,
    /// Errors of this kind are known to follow code or dependency changes
    /// (a function that is no longer there), so a change before them is
    /// their likely cause.
    #[serde(default)]
    pub dependency_sensitive: bool,
}

pub struct KbEntry {
    pub def: KbEntryDef,
    re: Regex,
}

pub struct Kb {
    entries: Vec<KbEntry>,
}

const BUILTIN_KB: &str = include_str!("kb.json");

impl Kb {
    /// The built-in entries after the user's own.
    pub fn load(user: Vec<KbEntryDef>) -> Result<Kb, String> {
        let builtin: Vec<KbEntryDef> =
            serde_json::from_str(BUILTIN_KB).map_err(|e| format!("built-in kb.json: {e}"))?;
        let entries = user
            .into_iter()
            .chain(builtin)
            .map(|def| {
                let re = Regex::new(&format!("(?i){}", def.pattern))
                    .map_err(|e| format!("kb entry `{}`: {e}", def.kind))?;
                Ok(KbEntry { def, re })
            })
            .collect::<Result<_, String>>()?;
        Ok(Kb { entries })
    }

    /// The first entry whose pattern matches `text`.
    pub fn classify(&self, text: &str) -> Option<&KbEntryDef> {
        self.entries
            .iter()
            .find(|e| e.re.is_match(text))
            .map(|e| &e.def)
    }
}

impl Default for Kb {
    fn default() -> Self {
        Kb::load(Vec::new()).expect("built-in kb.json is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_error_texts_classify() {
        let kb = Kb::default();
        let cases = [
            ("sorry, too many clients already", "pg.too_many_clients"),
            ("connect ECONNREFUSED 127.0.0.1:6379", "redis.refused"),
            ("connect ECONNREFUSED 127.0.0.1:5432", "pg.refused"),
            ("timeout exceeded when trying to connect", "pg.pool_timeout"),
            (
                "upstream timed out (110: Connection timed out) while reading response header",
                "lb.upstream_timeout",
            ),
            (
                "Out of memory: Killed process 25240 (node)",
                "kernel.oom_kill",
            ),
            ("getaddrinfo ENOTFOUND api.example.com", "net.dns"),
            ("TypeError: client.ref is not a function", "app.type_error"),
            ("Ready to accept connections tcp", "redis.ready"),
        ];
        for (text, want) in cases {
            assert_eq!(
                kb.classify(text).map(|e| e.kind.as_str()),
                Some(want),
                "{text}"
            );
        }
        assert!(kb.classify("request completed").is_none());
    }
}
