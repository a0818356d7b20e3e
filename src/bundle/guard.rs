//! A reader that watches a tar stream's headers as they pass through it.
//!
//! The `tar` crate reads a GNU long-name entry and a PAX extension entry
//! whole into memory before it hands over the member they describe, with no
//! bound: a gzip bomb dressed as a long name would take all the memory
//! there is. This reader follows the 512-byte blocks, reads each header's
//! type and size, and fails the stream with a clear message when such a
//! metadata entry is larger than [`MAX_META_BYTES`]. Data blocks pass
//! through untouched.
//!
//! # Limitations
//! - Once a block where a header should be fails its checksum, the stream
//!   is no longer followed (the `tar` crate reports that error itself).

use std::io::{self, Read};

/// Largest GNU long name, long link or PAX extension entry accepted.
pub(crate) const MAX_META_BYTES: u64 = 1 << 20;

const BLOCK: u64 = 512;

pub(crate) struct TarGuard<R> {
    inner: R,
    /// Bytes passed through so far.
    pos: u64,
    /// Offset of the next header block.
    next_header: u64,
    /// The block at `next_header`, gathered as it goes by.
    block: Vec<u8>,
    /// False once the headers could no longer be followed.
    following: bool,
}

impl<R: Read> TarGuard<R> {
    pub(crate) fn new(inner: R) -> Self {
        TarGuard {
            inner,
            pos: 0,
            next_header: 0,
            block: Vec::with_capacity(BLOCK as usize),
            following: true,
        }
    }

    /// Looks at `buf`, which starts at stream offset `self.pos`.
    fn watch(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut at = 0usize;
        while self.following && at < buf.len() {
            let offset = self.pos + at as u64;
            if offset < self.next_header {
                let skip = (self.next_header - offset).min((buf.len() - at) as u64);
                at += skip as usize;
                continue;
            }
            let want = BLOCK as usize - self.block.len();
            let take = want.min(buf.len() - at);
            self.block.extend_from_slice(&buf[at..at + take]);
            at += take;
            if self.block.len() == BLOCK as usize {
                let header = std::mem::take(&mut self.block);
                self.header(&header, offset + take as u64 - BLOCK)?;
            }
        }
        Ok(())
    }

    fn header(&mut self, h: &[u8], offset: u64) -> io::Result<()> {
        if h.iter().all(|&b| b == 0) {
            self.next_header = offset + BLOCK;
            return Ok(());
        }
        let Some(size) = checked_size(h) else {
            self.following = false;
            return Ok(());
        };
        let kind = h[156];
        if matches!(kind, b'L' | b'K' | b'x' | b'g') && size > MAX_META_BYTES {
            return Err(io::Error::other(format!(
                "tar header at offset {offset}: a metadata entry (type `{}`) \
                 of {size} bytes, over the limit of {MAX_META_BYTES} bytes",
                kind as char
            )));
        }
        if kind == b'S' && h[482] != 0 {
            // GNU sparse: extension blocks follow; stop following rather
            // than guess their number.
            self.following = false;
            return Ok(());
        }
        let data = size.div_ceil(BLOCK).saturating_mul(BLOCK);
        self.next_header = offset.saturating_add(BLOCK).saturating_add(data);
        Ok(())
    }
}

/// Whether a 512-byte block is a tar header: its checksum holds.
pub(crate) fn header_checksum_holds(h: &[u8]) -> bool {
    h.len() == BLOCK as usize && checksum_holds(h)
}

fn checksum_holds(h: &[u8]) -> bool {
    let Some(stored) = octal(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    sum == stored
}

/// The header's size field when its checksum holds.
fn checked_size(h: &[u8]) -> Option<u64> {
    if !checksum_holds(h) {
        return None;
    }
    let field = &h[124..136];
    if field[0] & 0x80 != 0 {
        // base-256: big-endian after the marker bit.
        let mut n: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            n = n.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(n);
    }
    octal(field)
}

fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.watch(&buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: u8, size: u64) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_path("x").unwrap();
        h.set_size(size);
        h.set_entry_type(tar::EntryType::new(kind));
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn a_huge_long_name_fails_the_stream() {
        let mut bytes = header(b'L', 1 << 40);
        bytes.extend(vec![0u8; 4096]);
        let mut g = TarGuard::new(&bytes[..]);
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("type `L`"), "{err}");
    }

    #[test]
    fn plain_members_pass() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1000);
        h.set_cksum();
        b.append_data(&mut h, "a", &[7u8; 1000][..]).unwrap();
        let long = "d/".repeat(200) + "f";
        b.append_data(&mut h, long, &[7u8; 1000][..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let mut g = TarGuard::new(&bytes[..]);
        let mut ar = tar::Archive::new(&mut g);
        assert_eq!(ar.entries().unwrap().count(), 2);
    }
}
