//! The listing contract (`schemas/listing.raw.v1.json`), checked conservatively: `true` only
//! when jsonschema-rs would find the record valid. Anything this cannot vouch for (an integer
//! written as `1.0`, a number beyond 64 bits) is `false`, which sends the record to Python.

use serde_json::{Map, Value};

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

fn string_within(value: &Value, min: usize, max: usize) -> bool {
    match value.as_str() {
        Some(text) => chars_at_most(text, max) && (min == 0 || !text.is_empty()),
        None => false,
    }
}

fn upper_code(value: &Value, length: usize) -> bool {
    value.as_str().is_some_and(|t| t.len() == length && t.bytes().all(|b| b.is_ascii_uppercase()))
}

fn phash(value: &Value) -> bool {
    value.as_str().is_some_and(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

fn optional(object: &Map<String, Value>, key: &str, check: impl Fn(&Value) -> bool) -> bool {
    object.get(key).is_none_or(check)
}

fn array_of(value: &Value, max_items: usize, item: impl Fn(&Value) -> bool) -> bool {
    value.as_array().is_some_and(|a| a.len() <= max_items && a.iter().all(item))
}

fn seller(value: &Value) -> bool {
    let Some(seller) = value.as_object() else { return false };
    seller.get("id").is_some_and(|id| string_within(id, 1, 128))
        && optional(seller, "name", |v| string_within(v, 0, 256))
        && optional(seller, "country", |v| upper_code(v, 2))
        && optional(seller, "created_at", Value::is_string)
        && optional(seller, "rating", |v| v.as_f64().is_some_and(|r| (0.0..=5.0).contains(&r)))
        && optional(seller, "feedback_count", |v| v.as_u64().is_some())
        && optional(seller, "contact_hashes", |v| array_of(v, 32, |h| string_within(h, 0, 128)))
}

fn price(value: &Value) -> bool {
    let Some(price) = value.as_object() else { return false };
    price.get("amount").and_then(Value::as_f64).is_some_and(|a| a > 0.0 && a.is_finite())
        && price.get("currency").is_some_and(|c| upper_code(c, 3))
}

/// Every constraint of the listing schema (formats are not asserted by it, so not here either).
pub fn is_listing(listing: &Map<String, Value>) -> bool {
    let required = |key: &str, check: &dyn Fn(&Value) -> bool| listing.get(key).is_some_and(check);
    required("listing_id", &|v| string_within(v, 1, 128))
        && required("marketplace", &|v| string_within(v, 1, 64))
        && required("seller", &seller)
        && required("title", &|v| string_within(v, 0, 1024))
        && required("price", &price)
        && required("observed_at", &Value::is_string)
        && optional(listing, "schema_version", |v| v.as_u64() == Some(1))
        && optional(listing, "url", |v| string_within(v, 0, 2048))
        && optional(listing, "revision", |v| v.as_u64().is_some())
        && optional(listing, "description", |v| string_within(v, 0, 65536))
        && optional(listing, "brand", |v| v.is_null() || string_within(v, 0, 128))
        && optional(listing, "category", |v| string_within(v, 0, 256))
        && optional(listing, "quantity", |v| v.as_u64().is_some())
        && optional(listing, "ships_from", |v| upper_code(v, 2))
        && optional(listing, "image_phashes", |v| array_of(v, 64, phash))
        && optional(listing, "listed_at", Value::is_string)
}
