//! Problems found in bank files, each with a position a person can go to.

use std::fmt;
use std::sync::Arc;

use super::model::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, not UTF-8), reported at its start.
    pub fn in_file(file: impl Into<Arc<str>>, message: impl Into<String>) -> Self {
        Diagnostic {
            pos: Pos::start_of(file),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Maps byte offsets in a file to 1-based line and column, counting columns in
/// characters so Korean text points at the right place.
pub struct LineIndex<'a> {
    file: Arc<str>,
    text: &'a str,
    /// Every [`CHECKPOINT`] bytes, what lies before: a position costs a few
    /// kilobytes of counting, not a whole 20 MB line, so positions stay
    /// linear in the file size overall; and the index is a few hundred
    /// bytes per megabyte, not a word per line.
    checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    /// Byte offset (a char boundary).
    at: usize,
    /// Characters before it.
    chars: usize,
    /// Line breaks before it.
    breaks: usize,
    /// Where the line holding it starts.
    line_start: usize,
}

const CHECKPOINT: usize = 4096;

impl<'a> LineIndex<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut cp = Checkpoint {
            at: 0,
            chars: 0,
            breaks: 0,
            line_start: 0,
        };
        let mut checkpoints = vec![cp];
        while cp.at + CHECKPOINT < text.len() {
            let mut next = cp.at + CHECKPOINT;
            while !text.is_char_boundary(next) {
                next += 1;
            }
            let chunk = &text[cp.at..next];
            cp.chars += chunk.chars().count();
            for (i, _) in chunk.match_indices('\n') {
                cp.breaks += 1;
                cp.line_start = cp.at + i + 1;
            }
            cp.at = next;
            checkpoints.push(cp);
        }
        Self {
            file: file.into(),
            text,
            checkpoints,
        }
    }

    /// The last checkpoint at or before byte `offset`.
    fn checkpoint(&self, offset: usize) -> Checkpoint {
        let k = self.checkpoints.partition_point(|c| c.at <= offset).max(1) - 1;
        self.checkpoints[k]
    }

    /// Characters before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let c = self.checkpoint(offset);
        c.chars + self.text.get(c.at..offset).map(|s| s.chars().count()).unwrap_or(0)
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let c = self.checkpoint(offset);
        let since = &self.text.as_bytes()[c.at..offset];
        let line = c.breaks + since.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = since
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(c.line_start, |i| c.at + i + 1);
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        // Past four billion lines or columns a position only has to be large.
        Pos {
            file: Arc::clone(&self.file),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    pub fn file_pos(&self) -> Pos {
        Pos::start_of(Arc::clone(&self.file))
    }
}

/// Reads a file's bytes as text: a byte-order mark is dropped (it is not a
/// character anyone typed), invalid UTF-8 is reported where it is, and an
/// empty file is an error rather than a silent "0 questions".
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let bom = prefix.strip_prefix('\u{feff}');
            let pos = LineIndex::new(file, bom.unwrap_or(prefix)).pos(valid - if bom.is_some() { 3 } else { 0 });
            return Err(Diagnostic {
                pos,
                message: format!(
                    "not valid UTF-8 (byte 0x{:02x}); save the file as UTF-8",
                    bytes.get(valid).copied().unwrap_or(0)
                ),
            });
        }
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(Diagnostic::in_file(file, "the file is empty"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = 1\n한글 = \"x\"\n";
        let idx = LineIndex::new("f.toml", text);
        let off = text.find('=').unwrap();
        assert_eq!(
            idx.pos(off),
            Pos {
                file: "f.toml".into(),
                line: 1,
                column: 3
            }
        );
        let off = text.rfind('=').unwrap();
        assert_eq!(
            idx.pos(off),
            Pos {
                file: "f.toml".into(),
                line: 2,
                column: 4
            }
        );
    }

    #[test]
    fn a_long_single_line_counts_characters_across_checkpoints() {
        let text = "가".repeat(10_000) + "x";
        let idx = LineIndex::new("f", &text);
        assert_eq!(idx.pos(text.len() - 1).column, 10_001);
        assert_eq!(idx.pos(3 * 5000).column, 5001);
    }

    #[test]
    fn lines_and_columns_across_checkpoints() {
        let text = "한\n".repeat(3000) + "ab\n" + &"x".repeat(9000) + "\nz";
        let idx = LineIndex::new("f", &text);
        assert_eq!((idx.pos(0).line, idx.pos(0).column), (1, 1));
        let p = idx.pos(4 * 2999);
        assert_eq!((p.line, p.column), (3000, 1));
        let p = idx.pos(4 * 3000 + 1);
        assert_eq!((p.line, p.column), (3001, 2));
        let p = idx.pos(4 * 3000 + 3 + 8500);
        assert_eq!((p.line, p.column), (3002, 8501));
        let p = idx.pos(text.len() - 1);
        assert_eq!((p.line, p.column), (3003, 1));
        assert_eq!(idx.pos(text.len()).column, 2);
    }

    #[test]
    fn decode_reports_bad_bytes_at_line_and_column_and_drops_a_bom() {
        let mut bytes = "\u{feff}a\r\n한b".as_bytes().to_vec();
        bytes.push(0xff);
        let d = decode("f", bytes).unwrap_err();
        assert_eq!((d.pos.line, d.pos.column), (2, 3), "{d}");
        assert_eq!(decode("f", "\u{feff}x".into()).unwrap(), "x");
        assert!(decode("f", " \n".into()).is_err());
    }
}
