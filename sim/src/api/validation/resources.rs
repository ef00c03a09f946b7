//! Container resource requirements (`validateResourceRequirements`,
//! `validateContainerResourceName`) and the canonical form of quantities
//! (`resource.Quantity.String`) that upstream prints in its messages.

use super::field::{Errs, NEGATIVE_MSG, Path, qualified_name};
use crate::api::core::ResourceRequirements;
use crate::api::meta::Quantity;

/// Upstream rejects a malformed quantity while decoding, before validation, with this text.
const QUANTITY_FORMAT_MSG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Resource names known without a domain prefix (`standardResources` upstream).
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
    "storage",
    "requests.storage",
];

/// A parsed quantity: its value in billionths of a unit, and whether it was written with
/// a binary suffix (`Ki`, `Mi`...), which decides its canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Qty {
    nanos: i128,
    binary: bool,
}

impl Qty {
    /// Parses `q` with the grammar kubesim accepts (see `meta::parse_quantity_milli`), or
    /// `None` when it is not a quantity.
    pub(super) fn parse(q: &Quantity) -> Option<Qty> {
        q.milli_value()?;
        let text = q.0.trim();
        let split =
            text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let negative = int_part.starts_with('-');
        let int_digits = int_part.trim_start_matches(['-', '+']);
        if int_digits.len() > 30 || !int_digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int: i128 = if int_digits.is_empty() { 0 } else { int_digits.parse().ok()? };
        // Fractions finer than a nano round up, as upstream's parser does.
        let frac_digits: Vec<u8> = frac_part.bytes().map(|b| b.saturating_sub(b'0')).collect();
        let mut frac: i128 = 0;
        for i in 0..9 {
            frac = frac * 10 + i128::from(*frac_digits.get(i).unwrap_or(&0));
        }
        let round_up = frac_digits.iter().skip(9).any(|d| *d != 0);
        let base = int.checked_mul(1_000_000_000)?.checked_add(frac + i128::from(round_up))?;
        let (mul, div, binary): (i128, i128, bool) = match suffix {
            "" => (1, 1, false),
            "m" => (1, 1000, false),
            "u" => (1, 1_000_000, false),
            "n" => (1, 1_000_000_000, false),
            "k" => (1000, 1, false),
            "M" => (1_000_000, 1, false),
            "G" => (1_000_000_000, 1, false),
            "T" => (1_000_000_000_000, 1, false),
            "Ki" => (1 << 10, 1, true),
            "Mi" => (1 << 20, 1, true),
            "Gi" => (1 << 30, 1, true),
            "Ti" => (1 << 40, 1, true),
            "Pi" => (1 << 50, 1, true),
            _ => return None,
        };
        let scaled = base.checked_mul(mul)?;
        let nanos = scaled.checked_add(div - 1)? / div;
        Some(Qty { nanos: if negative { -nanos } else { nanos }, binary })
    }

    /// True below zero.
    pub(super) fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// `Quantity.String()`: the canonical form, e.g. `1000` → `1k`, `0.5` → `500m`,
    /// `1024Mi` → `1Gi`.
    pub(super) fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".into();
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        const NANO: u128 = 1_000_000_000;
        if self.binary && abs.is_multiple_of(NANO) && abs / NANO >= 1024 {
            let mut value = abs / NANO;
            let mut power = 0;
            while power < 6 && value.is_multiple_of(1024) {
                value /= 1024;
                power += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power];
            return format!("{sign}{value}{suffix}");
        }
        // Strip powers of ten, then step the exponent down to a multiple of three.
        let mut mantissa = abs;
        let mut exponent: i32 = -9;
        while mantissa.is_multiple_of(10) {
            mantissa /= 10;
            exponent += 1;
        }
        match exponent.rem_euclid(3) {
            1 => {
                mantissa *= 10;
                exponent -= 1;
            }
            2 => {
                mantissa *= 100;
                exponent -= 2;
            }
            _ => {}
        }
        let suffix = match exponent {
            -9 => "n".to_string(),
            -6 => "u".to_string(),
            -3 => "m".to_string(),
            0 => String::new(),
            3 => "k".to_string(),
            6 => "M".to_string(),
            9 => "G".to_string(),
            12 => "T".to_string(),
            15 => "P".to_string(),
            18 => "E".to_string(),
            e => format!("e{e}"),
        };
        format!("{sign}{mantissa}{suffix}")
    }
}

fn is_huge_pages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `IsNativeResource`: no domain, or a `kubernetes.io/` one.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `IsOvercommitAllowed`: requests may be below limits.
fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_huge_pages(name)
}

/// `IsExtendedResourceName`: a domain-prefixed, non-native name (`nvidia.com/gpu`).
fn is_extended(name: &str) -> bool {
    !is_native(name) && !name.starts_with("requests.") && qualified_name(&format!("requests.{name}")).is_empty()
}

/// `validateContainerResourceName`.
fn container_resource_name(e: &mut Errs, name: &str, path: &Path) {
    let msgs = qualified_name(name);
    let malformed = !msgs.is_empty();
    e.invalid_each(path, name, msgs);
    let standard = STANDARD_RESOURCES.contains(&name) || is_huge_pages(name) || name.starts_with("requests.hugepages-");
    if !malformed && !name.contains('/') && !standard {
        e.invalid(path, name, "must be a standard resource type or fully qualified");
    }
    if !name.contains('/') {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !is_huge_pages(name) {
            e.invalid(path, name, "must be a standard resource for containers");
        }
    } else if !is_native(name) && !is_extended(name) {
        e.invalid(path, name, "doesn't follow extended resource name standard");
    }
}

/// Parses a quantity, reporting it when malformed; then `ValidateNonnegativeQuantity`.
fn quantity(e: &mut Errs, q: &Quantity, path: &Path) -> Option<Qty> {
    let Some(parsed) = Qty::parse(q) else {
        e.invalid(path, &q.0, QUANTITY_FORMAT_MSG);
        return None;
    };
    if parsed.is_negative() {
        e.invalid(path, parsed.canonical(), NEGATIVE_MSG);
    }
    Some(parsed)
}

/// `ValidateContainerResourceRequirements`.
pub(super) fn requirements(e: &mut Errs, res: &ResourceRequirements, path: &Path) {
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let mut cpu_or_memory = false;
    let mut huge_pages = false;
    for (name, q) in &res.limits {
        let p = lim_path.key(name);
        container_resource_name(e, name, &p);
        quantity(e, q, &p);
        huge_pages |= is_huge_pages(name);
        cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
    }
    for (name, q) in &res.requests {
        let p = req_path.key(name);
        container_resource_name(e, name, &p);
        let request = quantity(e, q, &p);
        match (request, res.limits.get(name)) {
            (Some(request), Some(limit)) => {
                if let Some(limit) = Qty::parse(limit) {
                    if request.nanos != limit.nanos && !overcommit_allowed(name) {
                        let msg = format!("must be equal to {name} limit of {}", limit.canonical());
                        e.invalid(&req_path, request.canonical(), &msg);
                    } else if request.nanos > limit.nanos {
                        let msg = format!("must be less than or equal to {name} limit of {}", limit.canonical());
                        e.invalid(&req_path, request.canonical(), &msg);
                    }
                }
            }
            (_, None) if !overcommit_allowed(name) => {
                e.required(&lim_path, "Limit must be set for non overcommitable resources");
            }
            _ => {}
        }
        huge_pages |= is_huge_pages(name);
        cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
    }
    if huge_pages && !cpu_or_memory {
        e.forbidden(path, "HugePages require cpu or memory");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qty(s: &str) -> Option<Qty> {
        Qty::parse(&Quantity(s.into()))
    }

    fn canonical(s: &str) -> String {
        qty(s).map(|q| q.canonical()).unwrap_or_else(|| "<invalid>".into())
    }

    fn res(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> ResourceRequirements {
        ResourceRequirements {
            requests: requests.iter().map(|(k, v)| (k.to_string(), Quantity(v.to_string()))).collect(),
            limits: limits.iter().map(|(k, v)| (k.to_string(), Quantity(v.to_string()))).collect(),
        }
    }

    fn run(r: &ResourceRequirements) -> Vec<String> {
        let mut e = Errs::default();
        requirements(&mut e, r, &Path::new("spec.containers[0].resources"));
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn canonical_quantities() {
        assert_eq!(canonical("0"), "0");
        assert_eq!(canonical("2"), "2");
        assert_eq!(canonical("1000"), "1k");
        assert_eq!(canonical("1200"), "1200");
        assert_eq!(canonical("0.5"), "500m");
        assert_eq!(canonical("1500m"), "1500m");
        assert_eq!(canonical("2000m"), "2");
        assert_eq!(canonical("-1"), "-1");
        assert_eq!(canonical("-500m"), "-500m");
        assert_eq!(canonical("128974848"), "128974848");
        assert_eq!(canonical("1024Mi"), "1Gi");
        assert_eq!(canonical("1536Mi"), "1536Mi");
        assert_eq!(canonical("0.5Gi"), "512Mi");
        assert_eq!(canonical("0.5Ki"), "512");
        assert_eq!(canonical("1Ki"), "1Ki");
        assert_eq!(canonical("100u"), "100u");
        assert_eq!(canonical("1G"), "1G");
        assert_eq!(canonical("abc"), "<invalid>");
        assert_eq!(canonical(""), "<invalid>");
        assert_eq!(canonical("1Zi"), "<invalid>");
        assert_eq!(canonical(&"9".repeat(40)), "<invalid>");
    }

    #[test]
    fn negative_quantities() {
        assert_eq!(
            run(&res(&[("cpu", "-1")], &[])),
            ["spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"]
        );
        assert_eq!(
            run(&res(&[], &[("memory", "-0.5Gi")])),
            [
                "spec.containers[0].resources.limits[memory]: Invalid value: \"-512Mi\": must be greater than or equal to 0"
            ]
        );
    }

    #[test]
    fn malformed_quantities() {
        assert_eq!(
            run(&res(&[("cpu", "lots")], &[])),
            [format!("spec.containers[0].resources.requests[cpu]: Invalid value: \"lots\": {QUANTITY_FORMAT_MSG}")]
        );
    }

    #[test]
    fn requests_may_not_exceed_limits() {
        assert_eq!(
            run(&res(&[("cpu", "2")], &[("cpu", "1")])),
            [
                "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"
            ]
        );
        assert_eq!(
            run(&res(&[("memory", "2Gi")], &[("memory", "1024Mi")])),
            [
                "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi"
            ]
        );
        assert!(run(&res(&[("cpu", "500m")], &[("cpu", "1")])).is_empty());
        assert!(run(&res(&[("cpu", "1000m")], &[("cpu", "1")])).is_empty());
    }

    #[test]
    fn resource_names() {
        assert_eq!(
            run(&res(&[], &[("gpu", "1")])),
            [
                "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
                "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
            ]
        );
        assert_eq!(
            run(&res(&[], &[("pods", "1")])),
            [
                "spec.containers[0].resources.limits[pods]: Invalid value: \"pods\": must be a standard resource for containers",
            ]
        );
        let got = run(&res(&[], &[("bad name", "1")]));
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with(
            "spec.containers[0].resources.limits[bad name]: Invalid value: \"bad name\": name part must consist"
        ));
        assert!(got[1].ends_with("must be a standard resource for containers"));
        assert_eq!(run(&res(&[], &[("example.com/requests.x", "1")])).len(), 0);
        assert_eq!(
            run(&res(&[], &[("requests.example.com/foo", "1")])),
            [
                "spec.containers[0].resources.limits[requests.example.com/foo]: Invalid value: \"requests.example.com/foo\": doesn't follow extended resource name standard",
            ]
        );
    }

    #[test]
    fn extended_resources_are_not_overcommitted() {
        assert_eq!(
            run(&res(&[("nvidia.com/gpu", "1")], &[])),
            ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"]
        );
        assert_eq!(
            run(&res(&[("nvidia.com/gpu", "1")], &[("nvidia.com/gpu", "2")])),
            ["spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to nvidia.com/gpu limit of 2"]
        );
        assert!(run(&res(&[("nvidia.com/gpu", "2")], &[("nvidia.com/gpu", "2")])).is_empty());
    }

    #[test]
    fn huge_pages_need_cpu_or_memory() {
        assert_eq!(
            run(&res(&[], &[("hugepages-2Mi", "2Mi")])),
            ["spec.containers[0].resources: Forbidden: HugePages require cpu or memory"]
        );
        assert!(run(&res(&[], &[("hugepages-2Mi", "2Mi"), ("memory", "1Gi")])).is_empty());
    }
}
