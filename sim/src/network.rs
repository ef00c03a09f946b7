//! Service networking: kube-proxy's tables and the path of a simulated request.
//!
//! Every node runs kube-proxy, watching Services and EndpointSlices. All of them get the
//! same watch events at the same latency, so kubesim keeps one shared view for them (a
//! crashed node's proxy matters only for traffic entering that node, which times out
//! anyway). A backend is chosen uniformly at random among ready endpoints, as iptables
//! mode does, from a seeded stream.

use rand::RngExt;

use crate::api::core::{Service, ServicePort};
use crate::api::discovery::EndpointSlice;
use crate::api::meta::IntOrString;
use crate::api::{Kind, Object};
use crate::apiserver::Change;
use crate::cluster::Cache;
use crate::controllers::endpoints::SERVICE_NAME_LABEL;
use crate::engine::SimRng;

/// Where a request is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host as given: an IP, a node name, or a Service name (`web`, `web.default`,
    /// `web.default.svc.cluster.local`).
    pub host: String,
    /// Port.
    pub port: i32,
    /// Path, with its leading `/`.
    pub path: String,
}

/// Parses `host:port[/path]` (`http://` optional; port 80 when absent).
pub fn parse_target(text: &str) -> Result<Target, String> {
    let rest = text.strip_prefix("http://").unwrap_or(text);
    if rest.starts_with("https://") {
        return Err("kubesim speaks plain HTTP only".into());
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<i32>().ok().filter(|p| (1..=65535).contains(p)).ok_or_else(|| {
                format!("URL rejected: Port number was not a decimal number between 0 and 65535 ({p})")
            })?,
        ),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err("no host given, e.g. curl 172.18.0.2:30080 or curl --from POD web:80".into());
    }
    Ok(Target { host: host.to_string(), port, path })
}

/// A ready backend chosen for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// Namespace of the pod.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Pod IP.
    pub ip: String,
    /// The pod's node.
    pub node: String,
    /// The port on the pod.
    pub port: i32,
}

/// kube-proxy's view: Services and their EndpointSlices.
pub struct ProxyView {
    cache: Cache,
    rng: SimRng,
}

impl ProxyView {
    /// An empty view drawing backend choices from `rng`.
    pub fn new(rng: SimRng) -> ProxyView {
        ProxyView { cache: Cache::default(), rng }
    }

    /// A watch event for a Service or EndpointSlice.
    pub fn on_change(&mut self, change: &Change) {
        self.cache.apply(change);
    }

    fn services(&self) -> impl Iterator<Item = &Service> {
        self.cache.list(Kind::Service).filter_map(|o| match &**o {
            Object::Service(s) => Some(&**s),
            _ => None,
        })
    }

    /// The Service and port a NodePort belongs to.
    pub fn by_node_port(&self, port: i32) -> Option<(&Service, &ServicePort)> {
        self.services().find_map(|s| s.spec.ports.iter().find(|p| p.node_port == Some(port)).map(|p| (s, p)))
    }

    /// The Service and port behind a ClusterIP and port.
    pub fn by_cluster_ip(&self, ip: &str, port: i32) -> Option<(&Service, &ServicePort)> {
        self.services()
            .filter(|s| s.spec.cluster_ip.as_deref() == Some(ip))
            .find_map(|s| s.spec.ports.iter().find(|p| p.port == port).map(|p| (s, p)))
    }

    /// The Service a DNS name means, seen from a pod in `namespace`.
    pub fn by_name(&self, name: &str, namespace: &str) -> Option<&Service> {
        let name = name.strip_suffix(".svc.cluster.local").or_else(|| name.strip_suffix(".svc")).unwrap_or(name);
        let (svc, ns) = name.split_once('.').unwrap_or((name, namespace));
        self.services().find(|s| s.metadata.name == svc && s.metadata.namespace == ns)
    }

    /// Picks a ready endpoint of `svc` for `port`, at random as iptables mode does.
    pub fn pick(&mut self, svc: &Service, port: &ServicePort) -> Option<Backend> {
        let slices: Vec<&EndpointSlice> = self
            .cache
            .list_in(Kind::EndpointSlice, &svc.metadata.namespace)
            .filter_map(|o| match &**o {
                Object::EndpointSlice(s)
                    if s.metadata.labels.get(SERVICE_NAME_LABEL).map(String::as_str) == Some(&*svc.metadata.name) =>
                {
                    Some(&**s)
                }
                _ => None,
            })
            .collect();
        let mut ready = Vec::new();
        for slice in slices {
            let Some(slice_port) = slice.port_for(port.name.as_deref()) else { continue };
            for endpoint in slice.endpoints.iter().filter(|e| e.conditions.ready == Some(true)) {
                let Some(pod) = endpoint.target_ref.as_ref().and_then(|r| r.name.clone()) else { continue };
                for ip in &endpoint.addresses {
                    ready.push(Backend {
                        namespace: svc.metadata.namespace.to_string(),
                        pod: pod.to_string(),
                        ip: ip.to_string(),
                        node: endpoint.node_name.as_deref().unwrap_or_default().to_string(),
                        port: slice_port,
                    });
                }
            }
        }
        if ready.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..ready.len());
        Some(ready.swap_remove(i))
    }
}

/// The port a Service port targets, as text for messages.
pub fn describe_target_port(port: &ServicePort) -> String {
    match &port.target_port {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => port.port.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_like_curl() {
        assert_eq!(
            parse_target("172.18.0.2:30080/healthz"),
            Ok(Target { host: "172.18.0.2".into(), port: 30080, path: "/healthz".into() })
        );
        assert_eq!(parse_target("http://web").unwrap().port, 80);
        assert!(parse_target("web:99999").is_err());
        assert!(parse_target(":80").is_err());
    }
}
