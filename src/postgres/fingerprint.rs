//! SQL fingerprints: the statement with its literals taken out and its
//! identifiers kept, so that `WHERE id = 42` in a server log and
//! `WHERE id = $1` in pg_stat_statements become the same text.
//!
//! The statement is parsed with sqlparser (Postgres dialect) and printed
//! back, which settles spacing; unquoted words are folded to lower case (as
//! Postgres folds them) and its tokens then have every
//! number, string and `$n` placeholder replaced by `?`, and lists of
//! placeholders (`IN (?, ?, ?)`, multi-row `VALUES`) folded into one.
//!
//! # Limitations
//! Statements sqlparser cannot parse (truncated text, vendor syntax) are
//! fingerprinted from their raw tokens, and text the tokenizer rejects from
//! a regex pass; the same query reaching two different paths (one copy
//! truncated) gets two fingerprints.

use regex::Regex;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::sync::LazyLock;

/// The normalised text of `sql` (see the module docs).
pub fn fingerprint(sql: &str) -> String {
    let sql = sql.trim().trim_end_matches(';').trim();
    let dialect = PostgreSqlDialect {};
    let canonical = match Parser::parse_sql(&dialect, sql) {
        Ok(stmts) if !stmts.is_empty() => stmts
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        _ => sql.to_string(),
    };
    let text = match Tokenizer::new(&dialect, &canonical).tokenize() {
        Ok(tokens) => from_tokens(&tokens),
        Err(_) => by_regex(sql),
    };
    fold_lists(&text)
}

/// A short stable id for a fingerprint (16 hex digits).
pub fn fingerprint_id(fp: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(fp.as_bytes()))
}

fn from_tokens(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut prev_value = false;
    let mut iter = tokens.iter().peekable();
    while let Some(t) = iter.next() {
        let piece = match t {
            Token::Whitespace(_) => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
                continue;
            }
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::Placeholder(_) => "?".to_string(),
            // A minus sign in front of a literal is part of it.
            Token::Minus
                if !prev_value
                    && matches!(iter.peek(), Some(Token::Number(..) | Token::Placeholder(_))) =>
            {
                continue
            }
            // Unquoted words fold to lower case, as Postgres folds them:
            // keywords and identifiers alike (a keyword can name a column).
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_lowercase(),
            other => other.to_string(),
        };
        prev_value =
            matches!(t, Token::Word(_) | Token::Number(..) | Token::RParen) || piece == "?";
        out.push_str(&piece);
    }
    out.trim().to_string()
}

static LITERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"'(?:[^']|'')*'|'[^']*$|\$\d+|\b\d+(?:\.\d+)?\b").unwrap());
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").unwrap());
static LIST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\?(?:\s*,\s*\?)+").unwrap());
static ROWS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\(\?\)(?:\s*,\s*\(\?\))+").unwrap());

fn by_regex(sql: &str) -> String {
    let s = LITERAL.replace_all(sql, "?");
    SPACES.replace_all(s.trim(), " ").to_lowercase()
}

fn fold_lists(s: &str) -> String {
    let s = LIST.replace_all(s, "?");
    ROWS.replace_all(&s, "(?)").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_pg_stat_statements_agree() {
        let cases = [
            (
                "SELECT id, name FROM products WHERE id = 42",
                "SELECT id, name FROM products WHERE id = $1",
            ),
            (
                "select * from orders where status in ('new','paid', 'sent') limit 20;",
                "SELECT * FROM orders WHERE status IN ($1, $2) LIMIT $3",
            ),
            (
                "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
                "INSERT INTO t (a, b) VALUES ($1, $2)",
            ),
            (
                "UPDATE a SET n = n + -5 WHERE id = 1",
                "UPDATE a SET n = n + $1 WHERE id = $2",
            ),
        ];
        for (log, pss) in cases {
            assert_eq!(fingerprint(log), fingerprint(pss), "{log}");
        }
        assert_ne!(
            fingerprint("SELECT a FROM t"),
            fingerprint("SELECT b FROM t")
        );
    }

    #[test]
    fn unparsable_sql_still_fingerprints() {
        let cut =
            "SELECT p.category, count(*) AS orders, sum(o.qty * p.price) AS revenue, avg(o.qty";
        let fp = fingerprint(cut);
        assert!(fp.contains("p.category"), "{fp}");
        assert_eq!(
            fingerprint("VACUUM FULL x WHERE 'oops"),
            "vacuum full x where ?"
        );
        assert_eq!(
            fingerprint("SELECT Name, status FROM t WHERE id = 1"),
            "select name, status from t where id = ?"
        );
    }
}
