//! One file met inside the bundle, read as a stream: a compressed file is
//! decompressed, an archive is opened and its members read the same way
//! (to [`MAX_DEPTH`] archives deep), anything else is kept as an entry.
//!
//! The bundle's bounds hold at every depth: each kept entry is cut at the
//! per-file limit or what is left of the total, the file count is shared,
//! and a nested archive's own decompressed stream may not pass the per-file
//! limit either (so a bomb dressed as an archive is stopped while it is
//! read, not after). A nested member's path is the enclosing archive's
//! path, a `/`, and the member's checked name: `a/b.tar.gz/logs/x.log`.

use super::sniff::{self, Codec, Shape};
use super::{archive, limits::read_bounded, Bundle, Limits};
use jiff::Timestamp;
use std::io::{self, Cursor, Read};

/// How many archives inside the bundle may enclose a file that is read.
/// The bundle itself, when it is an archive, is not counted.
pub(crate) const MAX_DEPTH: usize = 3;

/// Where an archive's members go: the prefix of their paths and how many
/// archives inside the bundle enclose them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    prefix: String,
    depth: usize,
}

impl Scope {
    /// The path of `member` in this scope.
    pub(crate) fn join(&self, member: &str) -> String {
        format!("{}{member}", self.prefix)
    }

    fn inside(&self, archive: &str) -> Scope {
        Scope {
            prefix: format!("{archive}/"),
            depth: self.depth + 1,
        }
    }
}

/// A member about to be read: its path in the bundle, where it sits in its
/// archive (for reasons: `entry 3`; empty for a file of a folder), its
/// modification time, and its size as its archive or folder declares it
/// (before decompression; never trusted as a bound).
pub(crate) struct Member<'a> {
    pub scope: &'a Scope,
    pub name: String,
    pub at: String,
    pub mtime: Option<Timestamp>,
    pub size: Option<u64>,
}

impl Member<'_> {
    /// A reason about this member, prefixed with where it sits.
    fn reason(&self, why: impl std::fmt::Display) -> String {
        if self.at.is_empty() {
            why.to_string()
        } else {
            format!("{}: {why}", self.at)
        }
    }
}

impl Bundle {
    /// Reads the member from `r`, unless it is refused by name or count.
    pub(crate) fn take(&mut self, limits: &Limits, m: &Member<'_>, r: &mut dyn Read) {
        let Some(bound) = self.admit(limits, &m.name, m.size) else {
            return;
        };
        let (head, err) = sniff::peek(r);
        self.take_stream(limits, m, (head, err), r, bound, None);
    }

    /// Reads a member whose first bytes, `head`, were already taken from
    /// `rest`. `peeled` is the compression already removed, if any: a
    /// file kept then is recognised by its name without the suffix
    /// (`app.log.xz` is `app.log`) and reported by its name in the bundle
    /// ([`super::Entry::stored`]), unless the short name is taken; a later
    /// file of the bundle that has the short name takes it back (see
    /// [`Bundle::admit`]). An archive keeps its name (`b.tar.gz/x.log`).
    pub(crate) fn take_stream(
        &mut self,
        limits: &Limits,
        m: &Member<'_>,
        (head, err): (Vec<u8>, Option<io::Error>),
        rest: &mut dyn Read,
        bound: u64,
        peeled: Option<Codec>,
    ) {
        let shape = sniff::shape(&head);
        if err.is_some() || shape == Shape::Plain {
            let name = match peeled {
                Some(c) if !self.names.contains(&c.inner_name(&m.name)) => {
                    self.names.insert(m.name.clone());
                    let inner = c.inner_name(&m.name);
                    if inner != m.name {
                        self.peeled.insert(inner.clone(), m.name.clone());
                    }
                    inner
                }
                _ => m.name.clone(),
            };
            let (data, why) = match err {
                Some(e) => {
                    let why = format!("stream ends early after {} bytes: {e}", head.len());
                    let mut head = head;
                    head.truncate(bound.min(head.len() as u64) as usize);
                    (head, Some(why))
                }
                None => read_bounded(&mut Cursor::new(head).chain(rest), bound, limits),
            };
            let names = (name.as_str(), m.name.as_str());
            return self.keep(names, data, why.map(|w| m.reason(w)), m.mtime);
        }
        let mut stream = Cursor::new(head).chain(rest);
        match shape {
            Shape::Compressed(c) if peeled.is_some() => self.skip(
                &m.name,
                format!("{} data inside a compressed stream; not read", c.name()),
            ),
            Shape::Compressed(c) => {
                let inner = Member {
                    name: m.name.clone(),
                    at: m.reason(format_args!("{} stream", c.name())),
                    size: None,
                    ..*m
                };
                let mut dec = c.decoder(stream);
                let peek = sniff::peek(&mut dec);
                self.take_stream(limits, &inner, peek, &mut dec, bound, Some(c));
            }
            Shape::Tar | Shape::Zip if m.scope.depth >= MAX_DEPTH => self.skip(
                &m.name,
                format!(
                    "an archive nested more than {MAX_DEPTH} deep inside the bundle; not opened"
                ),
            ),
            Shape::Tar | Shape::Zip => self.open_nested(limits, m, shape, &mut stream),
            Shape::Unread(kind) => self.skip(&m.name, format!("{kind} data; {kind} is not read")),
            Shape::Plain => unreachable!("plain streams are kept above"),
        }
    }

    /// Opens an archive found inside the bundle and reads its members.
    /// Its decompressed stream is bounded by the per-file limit and by
    /// what is left of the budget all nested archives share (the total
    /// limit), so archives inside archives cannot multiply the work.
    fn open_nested(&mut self, limits: &Limits, m: &Member<'_>, shape: Shape, r: &mut dyn Read) {
        self.names.insert(m.name.clone());
        let shared = limits.max_total_bytes.saturating_sub(self.nested);
        if shared == 0 {
            let why = format!(
                "archives inside the bundle have used the budget of {} decompressed bytes; \
                 not opened",
                limits.max_total_bytes
            );
            return self.skip(&m.name, why);
        }
        self.opened += 1;
        let room = limits.max_entry_bytes.min(shared);
        let scope = m.scope.inside(&m.name);
        let before = self.entries.len() + self.skipped.len();
        let (result, used) = if shape == Shape::Tar {
            let mut budget = Budget {
                inner: r,
                left: room,
                why: budget_reason(room, limits),
            };
            let result = archive::read_tar(&mut budget, limits, self, &scope);
            (result, room - budget.left)
        } else {
            // A zip is read through its central directory at the end, so
            // it is held (bounded); a cut one is read from its headers.
            let (bytes, why) = read_bounded(r, room, limits);
            if why.is_some() {
                let why = if bytes.len() as u64 == room {
                    budget_reason(room, limits)
                } else {
                    why.unwrap_or_default()
                };
                self.skip(&scope.join("(rest of archive)"), m.reason(why));
            }
            let used = bytes.len() as u64;
            (
                archive::read_zip(Cursor::new(bytes), limits, self, &scope),
                used,
            )
        };
        self.nested += used;
        match result {
            Err(_) if used >= room => self.skip(&m.name, m.reason(budget_reason(room, limits))),
            Err(reason) => self.skip(&m.name, format!("not a readable archive: {reason}")),
            Ok(()) if self.entries.len() + self.skipped.len() == before => {
                self.skip(&m.name, "an archive with no files in it".into())
            }
            Ok(()) => {}
        }
    }
}

/// Why a nested archive's stream stopped at `room` bytes.
fn budget_reason(room: u64, limits: &Limits) -> String {
    if room < limits.max_entry_bytes {
        format!(
            "archives inside the bundle have used the budget of {} decompressed bytes; \
             the rest is not read",
            limits.max_total_bytes
        )
    } else {
        format!("decompressed size over the per-file limit of {room} bytes; the rest is not read")
    }
}

/// A reader that fails, with `why`, once more than `left` bytes would go
/// through it: the decompressed stream of a nested archive is bounded like
/// a file, and a compressed bundle's stream by a multiple of the total.
pub(crate) struct Budget<R> {
    pub inner: R,
    pub left: u64,
    pub why: String,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = buf
            .len()
            .min(self.left.saturating_add(1).min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..room])?;
        if n as u64 > self.left {
            return Err(io::Error::other(self.why.clone()));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
