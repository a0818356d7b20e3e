//! Framing: physical lines into records, with every line accounted for.

use super::format::{infer_severity, Format};
use crate::model::Severity;
use crate::time::{TimeCtx, TimeParser};
use jiff::Timestamp;
use serde::Serialize;

/// Longest message kept for one record; the rest is counted, not kept.
const MAX_MESSAGE: usize = 64 * 1024;

/// One log record: a header line and its continuation lines.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    /// 1-based line of the header.
    pub line: u64,
    /// Physical lines in the record (1 + continuation lines).
    pub lines: u32,
    pub time: Option<Timestamp>,
    pub host: Option<String>,
    pub proc: Option<String>,
    pub severity: Severity,
    /// The message with continuation lines joined by `\n`.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_time: Option<f64>,
}

impl Record {
    /// The first line of the message, what templates are mined from.
    pub fn head(&self) -> &str {
        self.message.split('\n').next().unwrap_or("")
    }
}

/// A framed log file and the account of its lines.
#[derive(Debug, Default, Clone, Serialize)]
pub struct LogFile {
    pub format: String,
    pub records: Vec<Record>,
    pub lines: u64,
    /// Lines before the first record that the format did not read.
    pub unparsed: u64,
    pub first_unparsed: Option<(u64, String)>,
    /// Lines joined to the record before them.
    pub continuation: u64,
    /// Records whose time could not be read.
    pub no_time: u64,
    pub first_no_time: Option<(u64, String)>,
    pub zone_assumed: u64,
    pub year_inferred: u64,
    /// Lines with bytes that are not UTF-8 (kept, replaced by U+FFFD).
    pub invalid_utf8: u64,
    /// Records cut at the message length bound.
    pub cut: u64,
}

/// Cuts a message at [`MAX_MESSAGE`] bytes on a character boundary.
pub(crate) fn cut(mut msg: String) -> String {
    if msg.len() > MAX_MESSAGE {
        msg.truncate(msg.floor_char_boundary(MAX_MESSAGE));
    }
    msg
}

/// Physical lines with their 1-based numbers; `\r\n` and a leading BOM are
/// taken off.
///
/// A file with carriage returns and no line feed at all (classic Mac
/// endings) is split at its carriage returns.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = if !text.contains('\n') && text.contains('\r') {
        '\r'
    } else {
        '\n'
    };
    let text = text.strip_suffix(sep).unwrap_or(text);
    text.split(sep)
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.is_empty() || text.is_empty())
}

/// Frames `bytes` with `format`, reading times with `ctx`.
pub fn frame(format: &Format, bytes: &[u8], ctx: &TimeCtx) -> LogFile {
    let text = String::from_utf8_lossy(bytes);
    let mut out = LogFile {
        format: format.name().to_string(),
        ..LogFile::default()
    };
    if let std::borrow::Cow::Owned(_) = text {
        out.invalid_utf8 = text.lines().filter(|l| l.contains('\u{fffd}')).count() as u64;
    }
    let times = TimeParser::new();
    for (n, line) in lines(&text) {
        out.lines = n;
        let fields = format.parse(line);
        match fields {
            Some(f) if !format.is_continuation(&f) => {
                let time = f.time.as_deref().and_then(|t| times.parse(t, ctx));
                if let Some(p) = time {
                    out.zone_assumed += p.zone_assumed as u64;
                    out.year_inferred += p.year_inferred as u64;
                } else {
                    out.no_time += 1;
                    if out.first_no_time.is_none() {
                        out.first_no_time = Some((n, crate::model::excerpt(line, 160)));
                    }
                }
                let mut message = f.msg.into_owned();
                if message.len() > MAX_MESSAGE {
                    message.truncate(message.floor_char_boundary(MAX_MESSAGE));
                    out.cut += 1;
                }
                let severity = f.level.unwrap_or_else(|| infer_severity(&message));
                out.records.push(Record {
                    line: n,
                    lines: 1,
                    time: time.map(|p| p.ts),
                    host: f.host.map(|h| h.into_owned()),
                    proc: f.proc.map(|p| p.into_owned()),
                    severity,
                    message,
                    method: f.method.map(|m| m.into_owned()),
                    route: f.path.map(|p| p.into_owned()),
                    status: f.status,
                    upstream_time: f.upstream_time,
                });
            }
            other => match out.records.last_mut() {
                Some(rec) => {
                    out.continuation += 1;
                    rec.lines += 1;
                    if rec.message.len() < MAX_MESSAGE {
                        rec.message.push('\n');
                        match &other {
                            // A DETAIL or STATEMENT line: keep its level word.
                            Some(f) => {
                                rec.message.push_str(f.level_word.unwrap_or(""));
                                rec.message.push_str(": ");
                                rec.message.push_str(&f.msg);
                            }
                            None => rec.message.push_str(line),
                        }
                        if rec.message.len() > MAX_MESSAGE {
                            let cut = rec.message.floor_char_boundary(MAX_MESSAGE);
                            rec.message.truncate(cut);
                            out.cut += 1;
                        }
                    }
                }
                None => {
                    out.unparsed += 1;
                    if out.first_unparsed.is_none() {
                        out.first_unparsed = Some((n, crate::model::excerpt(line, 160)));
                    }
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Registry;

    fn framed(text: &str) -> LogFile {
        let reg = Registry::default();
        let d = reg.detect(text).expect("detected");
        frame(reg.get(d.index), text.as_bytes(), &TimeCtx::default())
    }

    #[test]
    fn postgres_detail_and_statement_join_their_record() {
        let text = "\
2026-12-04 15:39:02.117 UTC [23011] app@shop ERROR:  duplicate key value violates unique constraint \"orders_pkey\"
2026-12-04 15:39:02.117 UTC [23011] app@shop DETAIL:  Key (id)=(42) already exists.
2026-12-04 15:39:02.117 UTC [23011] app@shop STATEMENT:  INSERT INTO orders (id)
\tVALUES (42)
2026-12-04 15:39:03.001 UTC [23012] LOG:  checkpoint starting: time
";
        let f = framed(text);
        assert_eq!(f.format, "postgres-stderr");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].lines, 4);
        assert!(f.records[0]
            .message
            .contains("DETAIL: Key (id)=(42) already exists."));
        assert!(f.records[0].message.ends_with("\tVALUES (42)"));
        assert_eq!(f.records[0].severity, Severity::Error);
        assert_eq!(f.continuation, 3);
        assert_eq!(f.unparsed, 0);
    }

    #[test]
    fn node_stack_trace_stays_one_record_and_stray_lines_are_counted() {
        let text = "\
garbage before the first record
{\"level\":50,\"time\":1764862509453,\"msg\":\"uncaught\"}
TypeError: client.ref is not a function
    at BoundPool._acquireClient (/app/node_modules/pg-pool/index.js:311:12)
{\"level\":30,\"time\":1764862510453,\"msg\":\"ok\"}
";
        let f = framed(text);
        assert_eq!(f.format, "json");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].lines, 3);
        assert_eq!(f.unparsed, 1);
        assert_eq!(f.first_unparsed.as_ref().unwrap().0, 1);
    }

    #[test]
    fn crlf_bom_and_invalid_utf8_are_read() {
        let mut bytes =
            b"\xef\xbb\xbf2026/12/04 15:39:02 [error] 1#1: *1 bad \xff byte\r\n".to_vec();
        bytes.extend_from_slice(b"2026/12/04 15:39:03 [warn] 1#1: ok\r\n");
        let reg = Registry::default();
        let text = String::from_utf8_lossy(&bytes);
        let d = reg.detect(&text).unwrap();
        let f = frame(reg.get(d.index), &bytes, &TimeCtx::default());
        assert_eq!(f.format, "nginx-error");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.invalid_utf8, 1);
        assert_eq!(f.records[1].message, "ok");
    }
}
