//! Python's view of text: lengths and prefixes in code points, as `len` and slicing count them.

/// At most `limit` code points, as the schema's `maxLength` (and Python's `len`) count them.
pub fn chars_at_most(text: &str, limit: usize) -> bool {
    text.len() <= limit || text.chars().count() <= limit
}

/// The first `limit` code points, as Python's `text[:limit]`.
pub fn head(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    match text.char_indices().nth(limit) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

