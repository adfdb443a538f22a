//! A note as a tree of sections holding blocks (list items with their nesting,
//! paragraphs, table rows), each with the line it came from. Markdown goes
//! through pulldown-cmark; plain text is read by lines and indentation. Both
//! builders are iterative, so deep nesting cannot overflow the stack.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::text::clean_inline;

/// Larger files are refused with a clear message rather than processed slowly.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Item,
    Para,
    Row,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    /// Inline Markdown removed.
    pub text: String,
    /// The first bold span, when the line has one.
    pub bold: Option<String>,
    /// Table cells (rows only).
    pub cells: Vec<String>,
    /// The first row of a table.
    pub header: bool,
    pub line: usize,
    /// The list item this one is nested in (index into the section's blocks).
    pub parent: Option<usize>,
}

impl Block {
    /// A list item or paragraph: its text with inline Markdown removed, and its first bold span.
    fn line(kind: BlockKind, (text, bold): (String, Option<String>), line: usize, parent: Option<usize>) -> Block {
        Block {
            kind,
            text,
            bold,
            cells: vec![],
            header: false,
            line,
            parent,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub level: u8,
    pub line: usize,
    pub tags: Vec<String>,
    pub parent: Option<usize>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Outline {
    pub file: String,
    pub sections: Vec<Section>,
    pub lines: Vec<String>,
}

impl Outline {
    /// Heading titles from the top down to `s`, joined with " > ".
    pub fn path(&self, s: usize) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(s);
        while let Some(i) = cur {
            if self.sections[i].level > 0 {
                parts.push(self.sections[i].title.as_str());
            }
            cur = self.sections[i].parent;
        }
        parts.reverse();
        parts.join(" > ")
    }

    /// The level-2 section (or the top-most heading) that `s` belongs to.
    pub fn top(&self, s: usize) -> usize {
        let mut cur = s;
        while let Some(p) = self.sections[cur].parent {
            if self.sections[p].level == 0 || self.sections[cur].level <= 2 {
                break;
            }
            cur = p;
        }
        cur
    }

    /// Exam tags on `s` or the nearest heading above it that has any.
    pub fn tags(&self, s: usize) -> &[String] {
        let mut cur = Some(s);
        while let Some(i) = cur {
            if !self.sections[i].tags.is_empty() {
                return &self.sections[i].tags;
            }
            cur = self.sections[i].parent;
        }
        &[]
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("{file}: larger than {max} MB; split it into smaller files", max = MAX_BYTES / 1024 / 1024)]
    TooLarge { file: String },
    #[error("{file}: looks like binary data, not text notes")]
    Binary { file: String },
    #[error("{file}: holds no text")]
    Empty { file: String },
}

/// Decodes a note file. Invalid UTF-8 is replaced and reported as a warning.
pub fn decode(file: &str, bytes: &[u8], warnings: &mut Vec<String>) -> Result<String, InputError> {
    if bytes.len() > MAX_BYTES {
        return Err(InputError::TooLarge { file: file.into() });
    }
    let head = &bytes[..bytes.len().min(8192)];
    let control = head
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)))
        .count();
    if head.contains(&0) || control * 10 > head.len().max(1) {
        return Err(InputError::Binary { file: file.into() });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let bad = lossy.chars().filter(|&c| c == char::REPLACEMENT_CHARACTER).count();
            warnings.push(format!(
                "{file}: not valid UTF-8; {bad} undecodable sequence(s) were replaced"
            ));
            lossy
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
    if text.trim().is_empty() {
        return Err(InputError::Empty { file: file.into() });
    }
    Ok(text)
}

struct Builder {
    sections: Vec<Section>,
    /// Open sections, innermost last (indices).
    open: Vec<usize>,
}

impl Builder {
    fn new(file: &str) -> Self {
        Builder {
            sections: vec![Section {
                title: file.to_owned(),
                level: 0,
                line: 1,
                tags: vec![],
                parent: None,
                blocks: vec![],
            }],
            open: vec![0],
        }
    }

    fn heading(&mut self, level: u8, raw: &str, line: usize) {
        let (title, _) = clean_inline(raw);
        if title.is_empty() {
            return;
        }
        while self.open.len() > 1 && self.sections[*self.open.last().unwrap_or(&0)].level >= level {
            self.open.pop();
        }
        let parent = self.open.last().copied();
        self.sections.push(Section {
            tags: crate::notes::tags_of(&title),
            title,
            level,
            line,
            parent,
            blocks: vec![],
        });
        self.open.push(self.sections.len() - 1);
    }

    fn current(&mut self) -> &mut Section {
        let i = self.open.last().copied().unwrap_or(0);
        &mut self.sections[i]
    }
}

/// A `#` heading line, also inside a bullet, as `parse_text` reads them.
fn is_heading_line(raw: &str) -> bool {
    let unbulleted = raw.trim().trim_start_matches(['-', '*', '+', '•', '·', ' ', '\t']);
    let hashes = unbulleted.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && unbulleted[hashes..].starts_with([' ', '\t'])
}

/// Parses plain text: `#` headings (also inside bullets, as these notes write
/// them), bullets by indentation, `|` table rows, everything else paragraphs.
pub fn parse_text(file: &str, text: &str) -> Outline {
    let mut b = Builder::new(file);
    // (indent, block index) of open list items in the current section
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut in_fence = false;
    let mut table_open = false;
    // Flat notes with no heading at all: each run of lines after a blank
    // line is a section of its own, titled by its first line.
    let flat = !text.lines().any(is_heading_line);
    let mut after_blank = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if flat && !in_fence {
            let blank = raw.trim().is_empty();
            if after_blank && !blank {
                b.heading(2, &super::text::cut(raw.trim(), 40), line);
                items.clear();
                table_open = false;
            }
            after_blank = blank;
        }
        let indent: usize = raw
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum();
        let t = raw.trim();
        if t.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || t.is_empty() {
            if t.is_empty() {
                table_open = false;
            }
            continue;
        }
        let unbulleted = t.trim_start_matches(['-', '*', '+', '•', '·', ' ', '\t']);
        let hashes = unbulleted.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && unbulleted[hashes..].starts_with([' ', '\t']) {
            b.heading(hashes as u8, &unbulleted[hashes..], line);
            items.clear();
            table_open = false;
            continue;
        }
        if t.starts_with('|') {
            let mut cells: Vec<String> = t.trim_matches('|').split('|').map(|c| clean_inline(c).0).collect();
            if cells.iter().all(|c| c.chars().all(|x| matches!(x, '-' | ':' | ' '))) {
                continue;
            }
            let header = !table_open;
            table_open = true;
            push_row(&mut b, &mut cells, header, line);
            continue;
        }
        table_open = false;
        let bullet = ["- ", "* ", "+ ", "• ", "· "].iter().any(|p| t.starts_with(p))
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit()));
        let body = if bullet {
            t.split_once(' ').map_or("", |(_, r)| r)
        } else {
            t
        };
        let (clean, bold) = clean_inline(body);
        if clean.is_empty() {
            continue;
        }
        if bullet {
            while items.last().is_some_and(|&(ind, _)| ind >= indent) {
                items.pop();
            }
            let parent = items.last().map(|&(_, bi)| bi);
            let sec = b.current();
            sec.blocks
                .push(Block::line(BlockKind::Item, (clean, bold), line, parent));
            let idx = sec.blocks.len() - 1;
            items.push((indent, idx));
        } else {
            // An indented continuation under a bullet belongs to it as a child.
            let parent = if indent > 0 {
                items.last().map(|&(_, bi)| bi)
            } else {
                None
            };
            if indent == 0 {
                items.clear();
            }
            b.current()
                .blocks
                .push(Block::line(BlockKind::Para, (clean, bold), line, parent));
        }
    }
    Outline {
        file: file.to_owned(),
        sections: b.sections,
        lines: text.lines().map(str::to_owned).collect(),
    }
}

/// Parses Markdown with pulldown-cmark (tables on).
pub fn parse_markdown(file: &str, text: &str) -> Outline {
    let mut line_starts = vec![0usize];
    for (i, byte) in text.bytes().enumerate() {
        if byte == b'\n' {
            line_starts.push(i + 1);
        }
    }
    let mut md = MarkdownReader {
        b: Builder::new(file),
        line_starts,
        items: Vec::new(),
        buf: String::new(),
        buf_line: 0,
        heading: None,
        in_item_text: false,
        row: Vec::new(),
        in_head: false,
        cell: String::new(),
        in_cell: false,
    };
    for (ev, range) in Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).into_offset_iter()
    {
        match ev {
            Event::Start(tag) => md.start(tag, range.start),
            Event::End(tag) => md.end(tag),
            Event::Text(t) | Event::Code(t) => md.push_text(&t),
            Event::SoftBreak | Event::HardBreak => md.push_text(" "),
            _ => {}
        }
    }
    Outline {
        file: file.to_owned(),
        sections: md.b.sections,
        lines: text.lines().map(str::to_owned).collect(),
    }
}

/// The state of a walk over pulldown-cmark's events: the text of the block
/// or table cell being read, and the list items open around it.
struct MarkdownReader {
    b: Builder,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Open list items: block index, or None for an item whose text has not started.
    items: Vec<Option<usize>>,
    buf: String,
    buf_line: usize,
    heading: Option<u8>,
    in_item_text: bool,
    row: Vec<String>,
    in_head: bool,
    cell: String,
    in_cell: bool,
}

impl MarkdownReader {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    fn start(&mut self, tag: Tag<'_>, offset: usize) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some(level as u8);
                self.buf.clear();
                self.buf_line = self.line_of(offset);
            }
            Tag::Item => {
                if self.in_item_text {
                    self.flush(true);
                }
                self.items.push(None);
                self.in_item_text = true;
                self.buf.clear();
                self.buf_line = self.line_of(offset);
            }
            Tag::Paragraph if !self.in_item_text => {
                self.buf.clear();
                self.buf_line = self.line_of(offset);
            }
            Tag::List(_) if self.in_item_text => {
                self.flush(true);
                self.in_item_text = false;
            }
            Tag::TableHead => self.in_head = true,
            Tag::TableRow => {
                self.row.clear();
                self.buf_line = self.line_of(offset);
            }
            Tag::TableCell => {
                self.in_cell = true;
                self.cell.clear();
                if self.in_head {
                    self.buf_line = self.line_of(offset);
                }
            }
            Tag::Strong => self.push_text("**"),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                if let Some(level) = self.heading.take() {
                    let raw = std::mem::take(&mut self.buf);
                    self.b.heading(level, &raw, self.buf_line);
                    self.items.clear();
                }
            }
            TagEnd::Item => {
                if self.in_item_text {
                    self.flush(true);
                    self.in_item_text = false;
                }
                self.items.pop();
            }
            TagEnd::Paragraph => {
                if self.in_item_text {
                    self.flush(true);
                    self.in_item_text = false;
                } else {
                    self.flush(false);
                }
            }
            TagEnd::TableHead => {
                push_row(&mut self.b, &mut self.row, true, self.buf_line);
                self.in_head = false;
            }
            TagEnd::TableRow => push_row(&mut self.b, &mut self.row, self.in_head, self.buf_line),
            TagEnd::TableCell => {
                self.in_cell = false;
                self.row.push(clean_inline(&self.cell).0);
            }
            TagEnd::Strong => self.push_text("**"),
            _ => {}
        }
    }

    /// Text goes to the table cell being read, or else to the block.
    fn push_text(&mut self, t: &str) {
        if self.in_cell {
            self.cell.push_str(t);
        } else {
            self.buf.push_str(t);
        }
    }

    /// Ends the block being read as a list item or a paragraph, nested in
    /// the nearest open item that has text (for an item: the one around it).
    fn flush(&mut self, item: bool) {
        let raw = std::mem::take(&mut self.buf);
        let (clean, bold) = clean_inline(&raw);
        if clean.is_empty() {
            return;
        }
        let parent = self.items.iter().rev().skip(usize::from(item)).find_map(|x| *x);
        let sec = self.b.current();
        let kind = if item { BlockKind::Item } else { BlockKind::Para };
        sec.blocks.push(Block::line(kind, (clean, bold), self.buf_line, parent));
        if item {
            let idx = sec.blocks.len() - 1;
            if let Some(last) = self.items.last_mut() {
                *last = Some(idx);
            }
        }
    }
}

fn push_row(b: &mut Builder, row: &mut Vec<String>, header: bool, line: usize) {
    if row.is_empty() {
        return;
    }
    let cells = std::mem::take(row);
    b.current().blocks.push(Block {
        kind: BlockKind::Row,
        text: cells.join(" | "),
        bold: None,
        cells,
        header,
        line,
        parent: None,
    });
}

/// Markdown files (`.md`, `.markdown`) go through pulldown-cmark; anything
/// else is read as plain text.
pub fn parse(file: &str, text: &str) -> Outline {
    let lower = file.to_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        parse_markdown(file, text)
    } else {
        parse_text(file, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "\
# Storage
## [SAA] EBS
- **EBS 유형**
  - gp3 : 범용 SSD 볼륨
  - st1 : 처리량 최적화 HDD

본문 문장이다.
### Snapshots
| 이름 | 설명 |
|---|---|
| A | 첫째 |
";

    #[test]
    fn text_and_markdown_give_the_same_tree() {
        for outline in [parse_text("n.txt", NOTE), parse_markdown("n.md", NOTE)] {
            let titles: Vec<_> = outline.sections.iter().map(|s| (s.level, s.title.as_str())).collect();
            assert_eq!(
                titles,
                vec![(0, "n.txt"), (1, "Storage"), (2, "[SAA] EBS"), (3, "Snapshots")]
                    .into_iter()
                    .map(|(l, t)| (l, if l == 0 { outline.file.as_str() } else { t }))
                    .collect::<Vec<_>>()
            );
            let ebs = &outline.sections[2];
            assert_eq!(ebs.tags, vec!["SAA"]);
            let items: Vec<_> = ebs.blocks.iter().map(|b| (b.text.as_str(), b.parent, b.line)).collect();
            assert_eq!(items[0], ("EBS 유형", None, 3), "{items:?}");
            assert_eq!(items[1], ("gp3 : 범용 SSD 볼륨", Some(0), 4));
            assert_eq!(items[2].1, Some(0));
            assert_eq!(items[3].0, "본문 문장이다.");
            assert_eq!(ebs.blocks[0].bold.as_deref(), Some("EBS 유형"));
            let rows: Vec<_> = outline.sections[3]
                .blocks
                .iter()
                .map(|b| (b.cells.clone(), b.header))
                .collect();
            assert_eq!(
                rows,
                vec![
                    (vec!["이름".to_string(), "설명".into()], true),
                    (vec!["A".into(), "첫째".into()], false)
                ]
            );
            assert_eq!(outline.path(3), "Storage > [SAA] EBS > Snapshots");
        }
    }

    #[test]
    fn binary_and_oversized_input_is_refused_clearly() {
        let mut w = vec![];
        assert!(matches!(
            decode("a.bin", &[0, 159, 146, 150, 0, 1, 2], &mut w),
            Err(InputError::Binary { .. })
        ));
        assert!(matches!(
            decode("big.md", &vec![b'a'; MAX_BYTES + 1], &mut w),
            Err(InputError::TooLarge { .. })
        ));
        let t = decode("bad.md", b"## ok\n\xff\xfe text", &mut w).unwrap();
        assert!(t.contains("text"));
        assert_eq!(w.len(), 1, "invalid UTF-8 is a warning, not a failure");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep_list: String = (0..10_000).map(|i| format!("{}- item {i}\n", "  ".repeat(i))).collect();
        let o = parse_text("deep.txt", &deep_list);
        assert_eq!(o.sections.iter().map(|s| s.blocks.len()).sum::<usize>(), 10_000);
        let quotes = format!("{}deep\n", ">".repeat(10_000));
        parse_markdown("q.md", &quotes);
        let lists: String = (0..10_000).map(|i| format!("{}- x\n", "  ".repeat(i))).collect();
        parse_markdown("l.md", &lists);
    }
}
