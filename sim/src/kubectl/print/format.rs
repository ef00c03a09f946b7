//! Value formatting shared by `get` and `describe`: label maps and selectors as
//! apimachinery's `labels` package prints them, and resource quantities in the canonical
//! form of `resource.Quantity.String()`.

use std::collections::BTreeMap;

use crate::api::core::Container;
use crate::api::meta::{IntOrString, LabelSelector, parse_quantity_milli};

/// `labels.FormatLabels`: `k=v,k2=v2` in key order, or `<none>`.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// `metav1.LabelSelectorAsSelector(sel).String()`: the requirements sorted by key
/// (`app=web`, `tier in (a,b)`, `tier notin (a,b)`, `tier`, `!tier`); empty for a
/// missing or empty selector.
pub fn selector_string(selector: Option<&LabelSelector>) -> String {
    let Some(selector) = selector else {
        return String::new();
    };
    let mut requirements: Vec<(&str, String)> =
        selector.match_labels.iter().map(|(k, v)| (k.as_str(), format!("{k}={v}"))).collect();
    for req in &selector.match_expressions {
        let mut values = req.values.clone();
        values.sort();
        let values = values.join(",");
        let text = match req.operator.as_str() {
            "In" => format!("{} in ({values})", req.key),
            "NotIn" => format!("{} notin ({values})", req.key),
            "Exists" => req.key.clone(),
            _ => format!("!{}", req.key),
        };
        requirements.push((req.key.as_str(), text));
    }
    requirements.sort_by(|a, b| a.0.cmp(b.0));
    requirements.into_iter().map(|(_, text)| text).collect::<Vec<_>>().join(",")
}

/// `metav1.FormatLabelSelector`: like [`selector_string`], but `<none>` when empty.
pub fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    or_none(selector_string(selector))
}

/// `text`, or `<none>` when it is empty.
pub fn or_none(text: String) -> String {
    if text.is_empty() { "<none>".into() } else { text }
}

/// `IntOrString.String()`, with Go's `<nil>` for a missing value.
pub fn int_or_string(value: Option<&IntOrString>) -> String {
    value.map_or_else(|| "<nil>".into(), ToString::to_string)
}

/// The CONTAINERS and IMAGES cells of `-o wide` (`layoutContainerCells`).
pub fn container_cells(containers: &[Container]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers.iter().map(|c| c.image.as_deref().unwrap_or("")).collect();
    (names.join(","), images.join(","))
}

/// How a quantity was written, which decides how it prints back
/// (`resource.Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `100m`, `2`, `1G`.
    DecimalSi,
    /// `128Mi`, `1Gi`.
    BinarySi,
    /// `1e3`.
    DecimalExponent,
}

/// A quantity in thousandths of its unit plus the format it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    /// Thousandths of the base unit (millicores, milli-bytes).
    pub milli: i128,
    /// How it prints.
    pub format: QuantityFormat,
}

impl Amount {
    /// Parses a quantity as written in a manifest.
    pub fn parse(text: &str) -> Option<Amount> {
        let text = text.trim();
        if let Some((mantissa, exponent)) = text.split_once(['e', 'E'])
            && let Ok(exponent) = exponent.parse::<u32>()
        {
            let milli = parse_quantity_milli(mantissa)?.checked_mul(10i128.checked_pow(exponent)?)?;
            return Some(Amount { milli, format: QuantityFormat::DecimalExponent });
        }
        let milli = parse_quantity_milli(text)?;
        let binary = ["Ki", "Mi", "Gi", "Ti", "Pi"].iter().any(|suffix| text.ends_with(suffix));
        let format = if binary { QuantityFormat::BinarySi } else { QuantityFormat::DecimalSi };
        Some(Amount { milli, format })
    }

    /// The value rounded up to whole units (`Quantity.Value()`).
    pub fn value(&self) -> i128 {
        self.milli.div_euclid(1000) + i128::from(self.milli.rem_euclid(1000) != 0)
    }
}

/// `resource.Quantity.String()` of a quantity written as `text`; text that is not a valid
/// quantity prints as written.
pub fn canonical_quantity(text: &str) -> String {
    Amount::parse(text).map_or_else(|| text.to_string(), |a| format_amount(Some(a)))
}

/// `Quantity.String()` for an amount; a missing amount is the zero quantity, `0`.
pub fn format_amount(amount: Option<Amount>) -> String {
    let Some(amount) = amount else {
        return "0".into();
    };
    if amount.milli == 0 {
        return "0".into();
    }
    let whole_bytes = amount.milli % 1000 == 0;
    match amount.format {
        QuantityFormat::BinarySi if whole_bytes && amount.milli.abs() >= 1024 * 1000 => {
            format_binary(amount.milli / 1000)
        }
        QuantityFormat::DecimalExponent => format_decimal(amount.milli, |e| format!("e{e}")),
        _ => format_decimal(amount.milli, decimal_suffix),
    }
}

/// Mantissa and power-of-1000 exponent, trailing thousands folded into the exponent.
fn format_decimal(milli: i128, suffix: impl Fn(i32) -> String) -> String {
    let (mut mantissa, mut exponent) = (milli, -3);
    while mantissa % 1000 == 0 && exponent < 18 {
        mantissa /= 1000;
        exponent += 3;
    }
    if exponent == 0 {
        return mantissa.to_string();
    }
    format!("{mantissa}{}", suffix(exponent))
}

fn decimal_suffix(exponent: i32) -> String {
    match exponent {
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        _ => "E",
    }
    .into()
}

fn format_binary(bytes: i128) -> String {
    const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let (mut mantissa, mut power) = (bytes, 0);
    while mantissa % 1024 == 0 && power < SUFFIXES.len() - 1 {
        mantissa /= 1024;
        power += 1;
    }
    format!("{mantissa}{}", SUFFIXES[power])
}

/// Adds `b` to `a` as `Quantity.Add` does: the sum keeps the format of the first
/// non-zero addend.
pub fn add_amounts(a: Option<Amount>, b: Amount) -> Amount {
    match a {
        Some(a) if a.milli != 0 => Amount { milli: a.milli + b.milli, format: a.format },
        Some(a) => Amount { milli: a.milli + b.milli, format: b.format },
        None => b,
    }
}

/// At most three items, then ` + N more...` (`formatEndpoints`); `empty` for none.
pub fn first_three(items: &[String], empty: &str) -> String {
    match items.len() {
        0 => empty.to_string(),
        n if n <= 3 => items.join(","),
        n => format!("{} + {} more...", items[..3].join(","), n - 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::LabelSelectorRequirement;

    #[test]
    fn labels_print_sorted_or_none() {
        let mut labels = BTreeMap::new();
        assert_eq!(format_labels(&labels), "<none>");
        labels.insert("tier".to_string(), "web".to_string());
        labels.insert("app".to_string(), "nginx".to_string());
        assert_eq!(format_labels(&labels), "app=nginx,tier=web");
    }

    #[test]
    fn selectors_sort_requirements_by_key() {
        let mut sel = LabelSelector::default();
        sel.match_labels.insert("zone".into(), "a".into());
        sel.match_expressions.push(LabelSelectorRequirement {
            key: "app".into(),
            operator: "In".into(),
            values: vec!["web".into(), "api".into()],
        });
        assert_eq!(selector_string(Some(&sel)), "app in (api,web),zone=a");
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_label_selector(Some(&LabelSelector::default())), "<none>");
    }

    #[test]
    fn quantities_print_canonically() {
        assert_eq!(canonical_quantity("100m"), "100m");
        assert_eq!(canonical_quantity("1000m"), "1");
        assert_eq!(canonical_quantity("0.5"), "500m");
        assert_eq!(canonical_quantity("2"), "2");
        assert_eq!(canonical_quantity("1500"), "1500");
        assert_eq!(canonical_quantity("2000"), "2k");
        assert_eq!(canonical_quantity("128Mi"), "128Mi");
        assert_eq!(canonical_quantity("1024Mi"), "1Gi");
        assert_eq!(canonical_quantity("1.5Gi"), "1536Mi");
        assert_eq!(canonical_quantity("512"), "512");
        assert_eq!(canonical_quantity("0.5Ki"), "512");
        assert_eq!(canonical_quantity("1e3"), "1e3");
        assert_eq!(canonical_quantity("0"), "0");
        assert_eq!(canonical_quantity("16331072Ki"), "16331072Ki");
        assert_eq!(canonical_quantity("lots"), "lots");
    }

    #[test]
    fn sums_keep_the_first_format() {
        let cpu = Amount::parse("100m").unwrap();
        let sum = add_amounts(Some(cpu), Amount::parse("1").unwrap());
        assert_eq!(format_amount(Some(sum)), "1100m");
        let mem = add_amounts(None, Amount::parse("64Mi").unwrap());
        let mem = add_amounts(Some(mem), Amount::parse("64Mi").unwrap());
        assert_eq!(format_amount(Some(mem)), "128Mi");
        assert_eq!(format_amount(None), "0");
        assert_eq!(Amount::parse("1.5").unwrap().value(), 2);
    }
}
