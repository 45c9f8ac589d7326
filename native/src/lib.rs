//! Compiled per-listing work of counterscan: a whole batch of raw listing records decoded,
//! checked against the listing contract and normalized in one call.
//!
//! Python (`pipeline.intake`) stays the reference. This module only ever answers for records it
//! can prove the reference would accept and normalize the same way; for every other record
//! (anything malformed, unusual or merely outside the common forms) it answers `None`, and the
//! caller runs the Python path, which gives the dead-letter reason. So a reason can never differ:
//! only Python writes them.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

mod checks;
mod timestamp;

use checks::{chars_at_most, head, is_listing};

const SCAN_DESCRIPTION_CHARS: usize = 4096; // pipeline.intake.normalize.SCAN_DESCRIPTION_CHARS
const CONDITION_CHARS: usize = 64; // pipeline.intake.normalize.CONDITION_CHARS

/// What the normalizer needs from Python, handed in once per batch.
struct Context<'py> {
    rates: &'py Bound<'py, PyDict>,
    memo: &'py Bound<'py, PyDict>,
    categorize: &'py Bound<'py, PyAny>,
    tuple_new: &'py Bound<'py, PyAny>,
    record_class: &'py Bound<'py, PyAny>,
}

/// One `NormalizedListing` per record, or `None` where the Python path must decide.
///
/// `values`: the raw record values (bytes or None); `rates`: USD per currency unit (a dict);
/// `memo`: `normalize._CATEGORY_MEMO`; `categorize`: `normalize.canonical_category`;
/// `record_class`: `NormalizedListing`.
#[pyfunction]
fn admit_listings<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyList>,
    max_bytes: usize,
    rates: &Bound<'py, PyDict>,
    memo: &Bound<'py, PyDict>,
    categorize: &Bound<'py, PyAny>,
    record_class: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let tuple_new = py.get_type::<PyTuple>().getattr("__new__")?;
    let context = Context { rates, memo, categorize, tuple_new: &tuple_new, record_class };
    let out = PyList::empty(py);
    for value in values.iter() {
        let admitted = match value.downcast::<PyBytes>() {
            Ok(bytes) => admit(py, bytes.as_bytes(), max_bytes, &context)?,
            Err(_) => None,
        };
        match admitted {
            Some(listing) => out.append(listing)?,
            None => out.append(py.None())?,
        }
    }
    Ok(out)
}

/// The fields normalization reads, once the record passed every check.
struct Parsed<'a> {
    listing_id: &'a str,
    marketplace: String,
    revision: u64,
    url: Option<&'a str>,
    seller_id: &'a str,
    seller_age_days: f64,
    category: Option<&'a str>,
    title: &'a str,
    amount: f64,
    currency: &'a str,
    quantity: u64,
    ships_from: Option<&'a str>,
    brand: Option<&'a str>,
    description: Option<&'a str>,
    image_phashes: Vec<&'a str>,
    observed_at: &'a str,
    contact_hashes: Vec<&'a str>,
    condition: Option<&'a str>,
}

fn admit<'py>(py: Python<'py>, value: &[u8], max_bytes: usize, context: &Context<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if value.len() > max_bytes {
        return Ok(None);
    }
    let listing = match serde_json::from_slice::<Value>(value) {
        Ok(Value::Object(listing)) => listing,
        _ => return Ok(None),
    };
    let known = |currency: &str| context.rates.contains(currency).unwrap_or(false);
    let Some(parsed) = parse(&listing, known) else { return Ok(None) };
    let Some(rate) = context.rates.get_item(parsed.currency)? else { return Ok(None) };
    let rate: f64 = match rate.extract() {
        Ok(rate) => rate,
        Err(_) => return Ok(None),
    };
    let category = category(py, parsed.category, parsed.title, context)?;
    let declared = parsed.brand.filter(|b| !b.is_empty());
    let description = head(parsed.description.unwrap_or(""), SCAN_DESCRIPTION_CHARS);
    let text = match declared {
        Some(brand) => format!("{} ; {} ; {}", parsed.title, brand, description),
        None => format!("{} ; {}", parsed.title, description),
    };
    let optional = |text: Option<&str>| -> PyObject {
        match text {
            Some(text) => PyString::new(py, text).into_any().unbind(),
            None => py.None(),
        }
    };
    let strings = |items: &[&str]| PyTuple::new(py, items.iter().map(|s| PyString::new(py, s)));
    let fields: Vec<PyObject> = vec![
        PyString::new(py, parsed.listing_id).into_any().unbind(),
        PyString::new(py, &parsed.marketplace).into_any().unbind(),
        parsed.revision.into_pyobject(py)?.into_any().unbind(),
        optional(parsed.url),
        PyString::new(py, parsed.seller_id).into_any().unbind(),
        parsed.seller_age_days.into_pyobject(py)?.into_any().unbind(),
        category.unbind(),
        (parsed.amount * rate).into_pyobject(py)?.into_any().unbind(),
        parsed.quantity.into_pyobject(py)?.into_any().unbind(),
        optional(parsed.ships_from),
        PyString::new(py, &text).into_any().unbind(),
        optional(declared),
        strings(&parsed.image_phashes)?.into_any().unbind(),
        PyString::new(py, parsed.observed_at).into_any().unbind(),
        strings(&parsed.contact_hashes)?.into_any().unbind(),
        optional(parsed.condition.filter(|c| !c.is_empty()).map(|c| head(c, CONDITION_CHARS))),
    ];
    let tuple = PyTuple::new(py, fields)?;
    Ok(Some(context.tuple_new.call1((context.record_class, tuple))?))
}

/// `canonical_category(path, title)`: a path the memo already reads as one category is answered
/// here; anything else asks the Python function, which also fills the memo.
fn category<'py>(py: Python<'py>, path: Option<&str>, title: &str, context: &Context<'py>) -> PyResult<Bound<'py, PyAny>> {
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        if let Some(found) = context.memo.get_item(path)? {
            if let Ok(found) = found.downcast::<PyTuple>() {
                if found.len() == 1 {
                    return found.get_item(0);
                }
            }
        }
    }
    let path: PyObject = match path {
        Some(path) => PyString::new(py, path).into_any().unbind(),
        None => py.None(),
    };
    context.categorize.call1((path, title))
}

fn parse<'a>(listing: &'a Map<String, Value>, known_currency: impl Fn(&str) -> bool) -> Option<Parsed<'a>> {
    if !is_listing(listing) {
        return None;
    }
    let text = |key: &str| listing.get(key).and_then(Value::as_str);
    let seller = listing.get("seller")?.as_object()?;
    let price = listing.get("price")?.as_object()?;
    let currency = price.get("currency")?.as_str()?;
    if !known_currency(currency) {
        return None;
    }
    let observed_at = text("observed_at")?;
    let observed = timestamp::epoch_microseconds(observed_at, true)?;
    let seller_age_days = match seller.get("created_at") {
        None => f64::NAN,
        Some(created) => {
            let opened = timestamp::epoch_microseconds(created.as_str()?, true)?;
            let elapsed = observed.checked_sub(opened)?;
            if elapsed.unsigned_abs() >= 1u64 << 53 {
                return None; // beyond exact float conversion: let Python divide its integers
            }
            let days = (elapsed as f64 / 1e6) / 86400.0;
            if days > 0.0 { days } else { 0.0 }
        }
    };
    let marketplace = text("marketplace")?;
    if !marketplace.is_ascii() {
        return None; // str.casefold of non-ASCII text: Python's business
    }
    let strings = |value: Option<&'a Value>| -> Vec<&'a str> {
        value.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
    };
    Some(Parsed {
        listing_id: text("listing_id")?,
        marketplace: marketplace.to_ascii_lowercase(),
        revision: match listing.get("revision") { None => 0, Some(r) => r.as_u64()? },
        url: text("url"),
        seller_id: seller.get("id")?.as_str()?,
        seller_age_days,
        category: text("category"),
        title: text("title")?,
        amount: price.get("amount")?.as_f64()?,
        currency,
        quantity: match listing.get("quantity") { None => 1, Some(q) => q.as_u64()? },
        ships_from: text("ships_from"),
        brand: text("brand"),
        description: text("description"),
        image_phashes: strings(listing.get("image_phashes")),
        observed_at,
        contact_hashes: strings(seller.get("contact_hashes")),
        condition: text("condition"),
    })
    .filter(|p| chars_at_most(p.title, 1024))
}

#[pymodule]
fn counterscan_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(admit_listings, module)?)?;
    Ok(())
}
