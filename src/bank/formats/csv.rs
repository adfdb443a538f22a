//! CSV with documented columns (docs/question-bank-format.md, "CSV"). One row
//! per question; options are the columns `a`…`h`, each with an optional
//! `<letter>_rationale`.

use std::sync::Arc;

use super::{Defaults, Sink, derived_id};
use crate::bank::diagnostics::{Diagnostic, LineIndex};
use crate::bank::model::{Choice, Difficulty, Domains, Kind, Pos, Question, Source, Status};

pub const LETTERS: [char; 8] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

fn known_columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "id",
        "topic",
        "exams",
        "difficulty",
        "language",
        "stem",
        "answer",
        "explanation",
        "source_file",
        "source_heading",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for l in LETTERS {
        cols.push(l.to_string());
        cols.push(format!("{l}_rationale"));
    }
    cols
}

/// The template offered for download on the upload page.
pub fn template() -> String {
    let header = "id,topic,exams,difficulty,language,stem,a,a_rationale,b,b_rationale,c,c_rationale,\
                  d,d_rationale,answer,explanation,source_file,source_heading";
    let row = "vpc-sg-001,my-topic,saa-c03=secure,medium,ko,\"응답 트래픽을 따로 허용하지 않아도 되는 방화벽은?\",\
               네트워크 ACL,상태 비저장입니다.,보안 그룹,정답. 상태 저장입니다.,\
               라우팅 테이블,필터링하지 않습니다.,인터넷 게이트웨이,필터링하지 않습니다.,\
               b,보안 그룹은 상태 저장 방화벽입니다.,my-notes.md,VPC 보안";
    format!("{header}\n{row}\n")
}

pub fn parse(name: &str, text: &str, d: &Defaults, sink: &mut Sink) {
    let file: Arc<str> = name.into();
    let file = &file;
    let mut rdr = ::csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let Some(headers) = read_headers(&mut rdr, file, &mut sink.errors) else {
        return;
    };
    // On CRLF files the reader starts a record at the `\n` that ends the one
    // before, a line early; the line is taken from the first byte after it.
    let idx = LineIndex::new(name, text);
    let line_at = |p: Option<&::csv::Position>| {
        p.map(|p| {
            let mut b = p.byte() as usize;
            while matches!(text.as_bytes().get(b), Some(b'\r' | b'\n')) {
                b += 1;
            }
            idx.pos(b).line as u64
        })
        .unwrap_or(1)
    };
    for record in rdr.records() {
        if sink.stop() {
            return;
        }
        match record {
            Ok(record) => {
                let row = Row {
                    file,
                    headers: &headers,
                    line: line_at(record.position()),
                    record: &record,
                };
                // A row with any problem is skipped whole; its problems say why.
                let mut problems = Vec::new();
                let q = row.question(d, &mut problems);
                if problems.is_empty() {
                    sink.accept(q);
                }
                for p in problems {
                    sink.skip(p.pos, p.message);
                }
            }
            Err(e) => {
                let line = line_at(e.position());
                sink.skip(pos(file, line, 1), format!("malformed CSV row: {e}"));
            }
        }
    }
}

/// A position in `file`, whose name every position of the file shares.
fn pos(file: &Arc<str>, line: u64, column: usize) -> Pos {
    Pos {
        file: Arc::clone(file),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// The header's column names, lowercased; None, with every unknown or missing
/// column reported, when the rows cannot be read.
fn read_headers(rdr: &mut ::csv::Reader<&[u8]>, file: &Arc<str>, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let headers = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>(),
        Err(e) => {
            diags.push(Diagnostic::in_file(
                Arc::clone(file),
                format!("cannot read the CSV header: {e}"),
            ));
            return None;
        }
    };
    let known = known_columns();
    let mut ok = true;
    for (i, h) in headers.iter().enumerate() {
        if !known.contains(h) {
            diags.push(Diagnostic {
                pos: pos(file, 1, i + 1),
                message: format!("unknown column `{h}`; the columns are: {}", known.join(", ")),
            });
            ok = false;
        }
    }
    for required in ["stem", "a", "b", "answer"] {
        if !headers.iter().any(|h| h == required) {
            diags.push(Diagnostic::in_file(
                Arc::clone(file),
                format!("missing column `{required}`"),
            ));
            ok = false;
        }
    }
    ok.then_some(headers)
}

/// One data row, read by column name.
struct Row<'a> {
    file: &'a Arc<str>,
    headers: &'a [String],
    record: &'a ::csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The trimmed cell, empty when the column is absent.
    fn get(&self, name: &str) -> &str {
        self.col(name)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// Where the cell is, for diagnostics.
    fn at(&self, name: &str) -> Pos {
        pos(self.file, self.line, self.col(name).map(|i| i + 1).unwrap_or(1))
    }

    /// An empty cell takes its value from `default`.
    fn get_or<'s>(&'s self, name: &str, default: &'s str) -> &'s str {
        Some(self.get(name)).filter(|s| !s.is_empty()).unwrap_or(default)
    }

    fn question(&self, d: &Defaults, diags: &mut Vec<Diagnostic>) -> Question {
        let language = self.get_or("language", &d.language).to_owned();
        let topic = self.get_or("topic", &d.topic).to_owned();
        let domains = self.domains(d, diags);
        let difficulty = match self.get("difficulty") {
            "" => d.difficulty,
            s => Difficulty::parse(s).unwrap_or_else(|| {
                diags.push(Diagnostic {
                    pos: self.at("difficulty"),
                    message: format!("difficulty `{s}` must be easy, medium or hard"),
                });
                d.difficulty
            }),
        };
        let answer = self.answer(diags);
        let options = self.options();
        let kind = if answer.len() > 1 { Kind::Multiple } else { Kind::Single };
        let stem = self.get("stem").to_owned();
        let id = match self.get("id") {
            "" => derived_id(&topic, None, &stem).into(),
            s => s.into(),
        };
        let explanation = self.get("explanation").to_owned();
        let source = Source {
            file: self.get_or("source_file", self.file).into(),
            heading: self.get_or("source_heading", "—").into(),
        };
        Question {
            id,
            domains,
            topic: topic.into(),
            difficulty,
            kind,
            language: language.into(),
            status: Status::Published,
            stem,
            explanation,
            answer,
            options,
            source,
            references: Vec::new(),
            en: None,
            generated: None,
            pos: pos(self.file, self.line, 1),
        }
    }

    /// `exams` as `exam=domain` pairs separated by `;`; the default exam and
    /// domain when empty.
    fn domains(&self, d: &Defaults, diags: &mut Vec<Diagnostic>) -> Domains {
        let mut domains = Domains::new();
        let exams = self.get("exams");
        if exams.is_empty() {
            domains.insert(d.exam.clone(), d.domain.clone());
        } else {
            for pair in exams.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some((e, dom)) => {
                        domains.insert(e.trim().to_owned(), dom.trim().to_owned());
                    }
                    None => diags.push(Diagnostic {
                        pos: self.at("exams"),
                        message: format!("`{pair}` must look like exam=domain, e.g. saa-c03=secure"),
                    }),
                }
            }
        }
        domains
    }

    /// `answer` as option letters separated by `;`, `,` or spaces, lowercased.
    fn answer(&self, diags: &mut Vec<Diagnostic>) -> Vec<char> {
        self.get("answer")
            .split([';', ',', ' '])
            .filter(|s| !s.is_empty())
            .filter_map(|s| {
                let mut cs = s.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => Some(c.to_ascii_lowercase()),
                    _ => {
                        diags.push(Diagnostic {
                            pos: self.at("answer"),
                            message: format!("answer `{s}` must be option letters such as b or a;c"),
                        });
                        None
                    }
                }
            })
            .collect()
    }

    /// The non-empty option columns `a`…`h`, each with its rationale (empty when the row has none).
    fn options(&self) -> Vec<Choice> {
        LETTERS
            .iter()
            .filter(|l| !self.get(&l.to_string()).is_empty())
            .map(|&l| {
                let rationale = self.get(&format!("{l}_rationale"));
                Choice {
                    key: l,
                    text: self.get(&l.to_string()).into(),
                    rationale: rationale.into(),
                    en: None,
                    pos: self.at(&l.to_string()),
                }
            })
            .collect()
    }
}
