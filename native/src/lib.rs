//! Compiled per-listing work of counterscan: a whole batch of raw listing records decoded,
//! checked against the listing contract and normalized in one call; and a batch of listing texts
//! folded for term search (`fold`).
//!
//! Python (`pipeline.intake`) stays the reference. This module only ever answers for records it
//! can prove the reference would accept and normalize the same way; for every other record
//! (anything malformed, unusual or merely outside the common forms) it answers `None`, and the
//! caller runs the Python path, which gives the dead-letter reason. So a reason can never differ:
//! only Python writes them.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use std::borrow::Cow;

mod checks;
mod fold;
mod listing;
mod timestamp;

use checks::head;
use listing::Listing;

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

fn admit<'py>(py: Python<'py>, value: &[u8], max_bytes: usize, context: &Context<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if value.len() > max_bytes || !listing::safe_to_skip(value) {
        return Ok(None);
    }
    let Ok(listing) = serde_json::from_slice::<Listing<'_>>(value) else { return Ok(None) };
    if !listing.is_valid() || !listing.marketplace.is_ascii() {
        return Ok(None); // str.casefold of non-ASCII text is Python's business
    }
    let Some(rate) = context.rates.get_item(listing.price.currency.as_ref())? else { return Ok(None) };
    let Ok(rate) = rate.extract::<f64>() else { return Ok(None) };
    let Some(observed) = timestamp::epoch_microseconds(&listing.observed_at, true) else { return Ok(None) };
    let seller_age_days = match listing.seller.created_at.as_deref() {
        None => f64::NAN,
        Some(created) => {
            let Some(opened) = timestamp::epoch_microseconds(created, true) else { return Ok(None) };
            let Some(elapsed) = observed.checked_sub(opened) else { return Ok(None) };
            if elapsed.unsigned_abs() >= 1u64 << 53 {
                return Ok(None); // beyond exact float conversion: let Python divide its integers
            }
            let days = (elapsed as f64 / 1e6) / 86400.0;
            if days > 0.0 { days } else { 0.0 }
        }
    };
    let title: &str = &listing.title;
    let category = category(py, listing.category.as_deref(), title, context)?;
    let declared = listing.brand.as_ref().and_then(|b| b.as_deref()).filter(|b| !b.is_empty());
    let description = head(listing.description.as_deref().unwrap_or(""), SCAN_DESCRIPTION_CHARS);
    let text = match declared {
        Some(brand) => format!("{title} ; {brand} ; {description}"),
        None => format!("{title} ; {description}"),
    };
    let condition = listing.condition();
    let optional = |text: Option<&str>| -> PyObject {
        match text {
            Some(text) => PyString::new(py, text).into_any().unbind(),
            None => py.None(),
        }
    };
    let strings = |items: &Option<Vec<Cow<'_, str>>>| {
        PyTuple::new(py, items.as_deref().unwrap_or(&[]).iter().map(|s| PyString::new(py, s)))
    };
    let fields: Vec<PyObject> = vec![
        PyString::new(py, &listing.listing_id).into_any().unbind(),
        PyString::new(py, &listing.marketplace.to_ascii_lowercase()).into_any().unbind(),
        listing.revision.unwrap_or(0).into_pyobject(py)?.into_any().unbind(),
        optional(listing.url.as_deref()),
        PyString::new(py, &listing.seller.id).into_any().unbind(),
        seller_age_days.into_pyobject(py)?.into_any().unbind(),
        category.unbind(),
        (listing.price.amount * rate).into_pyobject(py)?.into_any().unbind(),
        listing.quantity.unwrap_or(1).into_pyobject(py)?.into_any().unbind(),
        optional(listing.ships_from.as_deref()),
        PyString::new(py, &text).into_any().unbind(),
        optional(declared),
        strings(&listing.image_phashes)?.into_any().unbind(),
        PyString::new(py, &listing.observed_at).into_any().unbind(),
        strings(&listing.seller.contact_hashes)?.into_any().unbind(),
        optional(condition.as_deref().filter(|c| !c.is_empty()).map(|c| head(c, CONDITION_CHARS))),
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

#[pymodule]
fn counterscan_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(admit_listings, module)?)?;
    module.add_class::<fold::Folder>()?;
    Ok(())
}
