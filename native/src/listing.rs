//! A raw listing read straight into typed fields, borrowing its strings from the record's bytes
//! where they hold no escapes: no tree of JSON values is built. Every field has the type the
//! contract (`schemas/listing.raw.v1.json`) demands, and a `null` where the contract wants a
//! value is an error, as a duplicate field is: errors are never reasons here, they only send
//! the record to the Python path, which finds the reason.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::checks::chars_at_most;

/// A present field must hold a `T` (a plain `Option<T>` would read `null` as absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

type Text<'a> = Cow<'a, str>;

#[derive(Deserialize)]
pub struct Seller<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub country: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub created_at: Option<Text<'a>>,
    #[serde(default, deserialize_with = "present")]
    pub rating: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    #[allow(dead_code)] // read for its type: the contract wants a non-negative integer
    pub feedback_count: Option<u64>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub contact_hashes: Option<Vec<Text<'a>>>,
}

#[derive(Deserialize)]
pub struct Price<'a> {
    pub amount: f64,
    #[serde(borrow)]
    pub currency: Text<'a>,
}

#[derive(Deserialize)]
pub struct Listing<'a> {
    #[serde(default, deserialize_with = "present")]
    pub schema_version: Option<u64>,
    #[serde(borrow)]
    pub listing_id: Text<'a>,
    #[serde(borrow)]
    pub marketplace: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub url: Option<Text<'a>>,
    #[serde(default, deserialize_with = "present")]
    pub revision: Option<u64>,
    #[serde(borrow)]
    pub seller: Seller<'a>,
    #[serde(borrow)]
    pub title: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub description: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub brand: Option<Option<Text<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub category: Option<Text<'a>>,
    #[serde(borrow)]
    pub price: Price<'a>,
    #[serde(default, borrow)]
    pub condition: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    pub quantity: Option<u64>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub ships_from: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub image_phashes: Option<Vec<Text<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    #[allow(dead_code)] // read for its type: the contract wants a string
    pub listed_at: Option<Text<'a>>,
    #[serde(borrow)]
    pub observed_at: Text<'a>,
}

fn upper_code(text: &str, length: usize) -> bool {
    text.len() == length && text.bytes().all(|b| b.is_ascii_uppercase())
}

fn phash(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn within(text: &Option<Text<'_>>, max: usize) -> bool {
    text.as_deref().is_none_or(|t| chars_at_most(t, max))
}

/// Bytes serde may skip over unread that the Python reader would refuse: invalid UTF-8 (the
/// skipped strings are not checked) and surrogate escapes (lone ones are refused there).
pub fn safe_to_skip(value: &[u8]) -> bool {
    std::str::from_utf8(value).is_ok()
        && !value.windows(3).any(|w| w[0] == b'\\' && w[1] == b'u' && matches!(w[2], b'd' | b'D'))
}

impl Listing<'_> {
    /// Every constraint of the schema not already in the field types.
    pub fn is_valid(&self) -> bool {
        let seller = &self.seller;
        self.schema_version.is_none_or(|v| v == 1)
            && !self.listing_id.is_empty() && chars_at_most(&self.listing_id, 128)
            && !self.marketplace.is_empty() && chars_at_most(&self.marketplace, 64)
            && within(&self.url, 2048)
            && !seller.id.is_empty() && chars_at_most(&seller.id, 128)
            && within(&seller.name, 256)
            && seller.country.as_deref().is_none_or(|c| upper_code(c, 2))
            && seller.rating.is_none_or(|r| (0.0..=5.0).contains(&r))
            && seller.contact_hashes.as_ref().is_none_or(|h| h.len() <= 32 && h.iter().all(|h| chars_at_most(h, 128)))
            && chars_at_most(&self.title, 1024)
            && within(&self.description, 65536)
            && self.brand.as_ref().is_none_or(|b| within(b, 128))
            && within(&self.category, 256)
            && self.price.amount > 0.0 && self.price.amount.is_finite()
            && upper_code(&self.price.currency, 3)
            && self.ships_from.as_deref().is_none_or(|c| upper_code(c, 2))
            && self.image_phashes.as_ref().is_none_or(|h| h.len() <= 64 && h.iter().all(|h| phash(h)))
    }

    /// The condition field when it is a string (any other value says nothing).
    pub fn condition(&self) -> Option<Text<'_>> {
        let raw = self.condition?;
        if !raw.get().starts_with('"') {
            return None;
        }
        serde_json::from_str::<Text<'_>>(raw.get()).ok()
    }
}
