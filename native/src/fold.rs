//! Folding a whole batch of listing texts, as `pipeline.text.batch.fold_joined` does, and their
//! letter skeletons, as `pipeline.text.fold.skeletons_joined` does, in one pass.
//!
//! This module holds no Unicode data. Python (`pipeline.text.native.fold_entry`) tells it, the
//! first time each code point appears, what that character folds to in each of `fold`'s branches,
//! or that its folding depends on its neighbours; only texts whose every character has an entry
//! are folded here, and the rest are handed back to the Python `fold`. So what Unicode version a
//! crate would have carried cannot matter: every answer is Python's.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

const PAGE_BITS: u32 = 8;
const PAGE: usize = 1 << PAGE_BITS;
const UNKNOWN: u32 = 0; // not asked yet
const DECLINED: u32 = 1; // texts with it are Python's; entries are numbered from 2
const HANGUL: u8 = 1; // flags of a folded piece (pipeline.text.native.HANGUL, COMBINING)
const COMBINING: u8 = 2;
const DELETED: u8 = 0xFF; // never a byte of UTF-8, so free to mean "dropped from the skeleton"

/// Where one folded form sits in the arena, and whether it holds spaces (then it is read per character).
#[derive(Clone, Copy)]
struct Piece {
    start: u32,
    len: u32,
    spaced: bool,
}

/// One code point: folded when the text has no look-alike or invisible character ([0]: most texts,
/// [1]: hangul texts without marks), folded when it has one, and the flags that choose the branch.
struct Entry {
    look_alike: bool,
    plain: [Piece; 2],
    plain_flags: u8,
    disguised: [Piece; 2],
    disguised_flags: u8,
}

type Form = (String, String, u8);

/// The folder: the entries learned so far, and how to ask Python for more.
#[pyclass(module = "counterscan_native")]
pub struct Folder {
    entry_of: PyObject,
    ascii_space: [bool; 128],
    spaces: Vec<char>,
    skeleton: [u8; 256],
    pages: Vec<Option<Box<[u32; PAGE]>>>,
    learned: usize,     // code points answered and stored (entries and declined ones)
    max_learned: usize, // past it, a text with a new code point is Python's: memory stays bounded
    entries: Vec<Entry>,
    arena: String,
    folded: Vec<u8>,
    skeleton_buffer: Vec<u8>,
}

#[pymethods]
impl Folder {
    /// `entry_of(code)`: `pipeline.text.native.fold_entry`; `spaces`: every character `str.split`
    /// splits on; `skeleton`: per byte, the skeleton's byte (255: dropped), from `fold.py`'s tables;
    /// `max_learned`: most code points it keeps answers for (a page of 256 and an entry each at most).
    #[new]
    fn new(entry_of: PyObject, spaces: &str, skeleton: &[u8], max_learned: usize) -> PyResult<Self> {
        let Ok(skeleton) = <[u8; 256]>::try_from(skeleton) else {
            return Err(pyo3::exceptions::PyValueError::new_err("skeleton must be 256 bytes"));
        };
        let mut ascii_space = [false; 128];
        let mut others = Vec::new();
        for c in spaces.chars() {
            if c.is_ascii() {
                ascii_space[c as usize] = true;
            } else {
                others.push(c);
            }
        }
        let pages = (0..=(char::MAX as usize >> PAGE_BITS)).map(|_| None).collect();
        Ok(Folder { entry_of, ascii_space, spaces: others, skeleton, pages, learned: 0, max_learned,
                   entries: Vec::new(), arena: String::new(), folded: Vec::new(), skeleton_buffer: Vec::new() })
    }

    /// (the folded texts, their skeletons), each joined by NUL as UTF-8; `fallback(text)` gives the
    /// folded UTF-8 of a text this folder cannot prove it folds as Python does.
    fn fold_joined<'py>(
        &mut self,
        py: Python<'py>,
        texts: &Bound<'py, PyList>,
        fallback: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        // the buffers stay with the folder: a batch's megabyte is not mapped and faulted in anew each time
        let mut out = std::mem::take(&mut self.folded);
        out.clear();
        let result = self.fold_into(py, texts, fallback, &mut out);
        let mut skeleton = std::mem::take(&mut self.skeleton_buffer);
        let answer = result.map(|()| {
            self.skeletons(&out, &mut skeleton);
            (PyBytes::new(py, &out), PyBytes::new(py, &skeleton))
        });
        self.folded = out;
        self.skeleton_buffer = skeleton;
        answer
    }

    /// How many code points have been asked about (entries and refusals), for tests and memory.
    fn known(&self) -> usize {
        self.pages.iter().flatten().map(|page| page.iter().filter(|&&v| v != UNKNOWN).count()).sum()
    }
}

impl Folder {
    fn fold_into(&mut self, py: Python<'_>, texts: &Bound<'_, PyList>, fallback: &Bound<'_, PyAny>,
                 out: &mut Vec<u8>) -> PyResult<()> {
        for (row, text) in texts.iter().enumerate() {
            if row > 0 {
                out.push(0);
            }
            let native = match text.downcast::<PyString>() {
                Ok(string) => match string.to_str() {
                    Ok(text) if text.is_ascii() => {
                        fold_ascii(text, &self.ascii_space, out);
                        true
                    }
                    Ok(text) => self.fold_text(py, text, out)?,
                    Err(_) => false, // surrogates: Python's fold decides (and raises as it would)
                },
                Err(_) => false,
            };
            if !native {
                let folded = fallback.call1((text,))?;
                out.extend_from_slice(folded.downcast::<PyBytes>()?.as_bytes());
            }
        }
        Ok(())
    }

    /// `fold` of a non-ASCII text from its characters' entries, or false (nothing written) when one
    /// of them has none.
    fn fold_text(&mut self, py: Python<'_>, text: &str, out: &mut Vec<u8>) -> PyResult<bool> {
        let (mut look_alike, mut plain_flags, mut disguised_flags) = (false, 0u8, 0u8);
        for c in text.chars().filter(|c| !c.is_ascii()) {
            let index = self.lookup(py, c)?;
            if index == DECLINED {
                return Ok(false);
            }
            let entry = &self.entries[(index - 2) as usize];
            look_alike |= entry.look_alike;
            plain_flags |= entry.plain_flags;
            disguised_flags |= entry.disguised_flags;
        }
        let flags = if look_alike { disguised_flags } else { plain_flags };
        let branch = usize::from(flags & HANGUL != 0 && flags & COMBINING == 0);
        let mut spacing = Spacing::default();
        for c in text.chars() {
            if c.is_ascii() {
                let b = if c == '\0' { b' ' } else { (c as u8).to_ascii_lowercase() };
                spacing.push_ascii(b, self.ascii_space[b as usize], out);
                continue;
            }
            let entry = &self.entries[(self.page_value(c) - 2) as usize];
            let piece = if look_alike { entry.disguised[branch] } else { entry.plain[branch] };
            let folded = &self.arena[piece.start as usize..(piece.start + piece.len) as usize];
            if !piece.spaced {
                spacing.push_str(folded, out);
            } else {
                for c in folded.chars() {
                    if c.is_ascii() {
                        spacing.push_ascii(c as u8, self.ascii_space[c as usize], out);
                    } else if self.spaces.contains(&c) {
                        spacing.pending = true;
                    } else {
                        spacing.push_str(c.encode_utf8(&mut [0; 4]), out);
                    }
                }
            }
        }
        Ok(true)
    }

    fn page_value(&self, c: char) -> u32 {
        let code = c as u32;
        self.pages[(code >> PAGE_BITS) as usize].as_ref().map_or(UNKNOWN, |page| page[(code as usize) & (PAGE - 1)])
    }

    /// The entry number of `c`, asking Python the first time.
    fn lookup(&mut self, py: Python<'_>, c: char) -> PyResult<u32> {
        let known = self.page_value(c);
        if known != UNKNOWN {
            return Ok(known);
        }
        if self.learned >= self.max_learned {
            return Ok(DECLINED); // not stored: a stream of every code point would grow the pages
        }
        self.learned += 1;
        let answer = self.entry_of.call1(py, (c as u32,))?;
        let value = match answer.extract::<Option<(bool, Option<Form>, Form)>>(py)? {
            None => DECLINED,
            Some((look_alike, plain, disguised)) => {
                let (plain_g, plain_h, plain_flags) = plain.unwrap_or_else(|| disguised.clone());
                let entry = Entry {
                    look_alike,
                    plain: [self.store(&plain_g), self.store(&plain_h)],
                    plain_flags,
                    disguised: [self.store(&disguised.0), self.store(&disguised.1)],
                    disguised_flags: disguised.2,
                };
                self.entries.push(entry);
                self.entries.len() as u32 + 1
            }
        };
        let code = c as u32;
        let page = self.pages[(code >> PAGE_BITS) as usize].get_or_insert_with(|| Box::new([UNKNOWN; PAGE]));
        page[(code as usize) & (PAGE - 1)] = value;
        Ok(value)
    }

    fn store(&mut self, folded: &str) -> Piece {
        let spaced = folded.chars().any(|c| if c.is_ascii() { self.ascii_space[c as usize] } else { self.spaces.contains(&c) });
        let start = self.arena.len() as u32;
        self.arena.push_str(folded);
        Piece { start, len: folded.len() as u32, spaced }
    }

    /// `skeletons_joined(folded)`: the one non-ASCII leet character (the euro sign) read as `e`,
    /// then each ASCII byte translated or dropped; bytes of other characters kept.
    fn skeletons(&self, folded: &[u8], out: &mut Vec<u8>) {
        let replaced;
        let folded = if folded.contains(&0xE2) {
            replaced = replace_euro(folded);
            &replaced[..]
        } else {
            folded
        };
        out.clear();
        out.resize(folded.len(), 0);
        let mut kept = 0;
        for &b in folded {
            let mapped = self.skeleton[b as usize];
            out[kept] = mapped; // written always, kept only if not dropped: no branch to mispredict
            kept += usize::from(mapped != DELETED);
        }
        out.truncate(kept);
    }
}

/// `folded.replace("€".encode(), b"e")`.
fn replace_euro(folded: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(folded.len());
    let mut rest = folded;
    while let Some(at) = rest.windows(3).position(|w| w == [0xE2, 0x82, 0xAC]) {
        out.extend_from_slice(&rest[..at]);
        out.push(b'e');
        rest = &rest[at + 3..];
    }
    out.extend_from_slice(rest);
    out
}

/// `fold` of an ASCII text: lower case, and spaces collapsed only if it has irregular ones.
fn fold_ascii(text: &str, ascii_space: &[bool; 128], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(text.as_bytes());
    let row = &mut out[start..];
    row.make_ascii_lowercase();
    if row.contains(&0) {
        row.iter_mut().filter(|b| **b == 0).for_each(|b| *b = b' ');
    }
    if irregular(row) {
        let row = out.split_off(start);
        let mut spacing = Spacing::default();
        for &b in &row {
            spacing.push_ascii(b, ascii_space[b as usize], out);
        }
    }
}

/// Whether `fold` re-spaces this lower-cased ASCII text: a double space or a line break, tab,
/// carriage return, vertical tab or form feed (`fold.IRREGULAR_SPACING`). Branch-free folds over
/// blocks, which the compiler turns into vector code; most texts have none.
fn irregular(row: &[u8]) -> bool {
    row.chunks(256).any(|block| {
        let controls = block.iter().fold(0u8, |seen, &b| seen | u8::from(b.wrapping_sub(b'\t') < 5));
        let doubled = block.iter().zip(&block[1..]).fold(0u8, |seen, (&a, &b)| seen | u8::from((a == b' ') & (b == b' ')));
        controls | doubled != 0
    }) || row.chunks(256).skip(1).zip(row.chunks(256)).any(|(next, block)| block[block.len() - 1] == b' ' && next[0] == b' ')
}

/// `" ".join(text.split())` written as it goes: words separated by one space, none at either end.
#[derive(Default)]
struct Spacing {
    started: bool,
    pending: bool,
}

impl Spacing {
    fn push_ascii(&mut self, b: u8, space: bool, out: &mut Vec<u8>) {
        if space {
            self.pending = true;
            return;
        }
        if self.pending && self.started {
            out.push(b' ');
        }
        self.pending = false;
        self.started = true;
        out.push(b);
    }

    /// A piece without spaces; an empty one (an invisible character) neither ends nor starts a word.
    fn push_str(&mut self, piece: &str, out: &mut Vec<u8>) {
        if piece.is_empty() {
            return;
        }
        if self.pending && self.started {
            out.push(b' ');
        }
        self.pending = false;
        self.started = true;
        out.extend_from_slice(piece.as_bytes());
    }
}
