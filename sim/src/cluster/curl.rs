//! The shell's `curl`: a request routed as kube-proxy would, answered by the simulated
//! container, or, when a [`Transport`] is set (a replay on real containers), by a real
//! HTTP request to the real address.

use std::collections::BTreeMap;

use super::Cluster;
use crate::api::{Kind, ObjKey, or_empty};
use crate::network::parse_target;

/// Where a request really goes when a cluster runs on real containers.
pub trait Transport {
    /// A request from outside to node number `node` (1-based) on `node_port`.
    fn via_node(&mut self, node: usize, node_port: i32, path: &str) -> Result<String, String>;
    /// A request to a pod's (simulated) IP and port.
    fn to_pod(&mut self, ip: &str, port: i32, path: &str) -> Result<String, String>;
}

impl Cluster {
    /// Sends an HTTP request, from outside the cluster (to a node's IP or name and a
    /// NodePort) or from inside a pod (`from`: to a Service name, ClusterIP, pod IP or
    /// NodePort), the way kube-proxy routes it. Returns the body, or curl's error.
    pub fn curl(&mut self, from: Option<&str>, target: &str) -> Result<String, String> {
        let t = parse_target(target).map_err(|e| format!("curl: (3) {e}"))?;
        let origin = from.map(|f| format!(" --from {f}")).unwrap_or_default();
        self.record_input("curl", "", &format!("curl{origin} {target}"));
        let refused = || {
            format!("curl: (7) Failed to connect to {} port {} after 0 ms: Couldn't connect to server", t.host, t.port)
        };
        let timeout = || {
            format!("curl: (28) Failed to connect to {} port {} after 10000 ms: Timeout was reached", t.host, t.port)
        };
        let node_ips: BTreeMap<String, String> =
            self.kubelets.sorted().map(|(_, k)| (k.machine().internal_ip(), k.node_name().to_string())).collect();
        let entry_node =
            node_ips.get(&t.host).cloned().or_else(|| self.kubelets.contains_key(&t.host).then(|| t.host.clone()));
        // Where the request enters the cluster: a node (by IP or name), or the caller pod.
        let service = match (from, &entry_node) {
            (_, Some(node)) => {
                if !self.reachable(node) {
                    return Err(timeout());
                }
                let Some((svc, port)) = self.proxy.by_node_port(t.port) else { return Err(refused()) };
                if let Some(transport) = self.transport.as_mut() {
                    let index = self.kubelets.get(node).map_or(0, |k| k.machine().index);
                    return transport.via_node(index, t.port, &t.path);
                }
                Some((svc.clone(), port.clone()))
            }
            (None, None) => {
                return Err(format!(
                    "{}\n(kubesim: from outside the cluster only node IPs and NodePorts are reachable; add --from POD to call a Service, ClusterIP or pod IP)",
                    if t.host.parse::<std::net::Ipv4Addr>().is_ok() {
                        timeout()
                    } else {
                        format!("curl: (6) Could not resolve host: {}", t.host)
                    }
                ));
            }
            (Some(pod), None) => {
                let (ns, name) = pod.split_once('/').unwrap_or(("default", pod));
                let caller = self.api.get(&ObjKey::new(Kind::Pod, ns, name)).and_then(|o| o.as_pod().cloned());
                let Some(caller) = caller.filter(|p| p.status.phase.as_deref() == Some("Running")) else {
                    return Err(format!("error: pod {pod} is not running, so it cannot send requests"));
                };
                if !caller.spec.node_name.as_deref().is_some_and(|n| self.reachable(n)) {
                    return Err(format!("error: the node of pod {pod} is down or cut off the network"));
                }
                let by_ip = self.proxy.by_cluster_ip(&t.host, t.port).map(|(s, p)| (s.clone(), p.clone()));
                let by_name = || {
                    let svc = self.proxy.by_name(&t.host, ns)?;
                    let port = svc.spec.ports.iter().find(|p| p.port == t.port)?;
                    Some((svc.clone(), port.clone()))
                };
                match by_ip.or_else(by_name) {
                    Some(found) => Some(found),
                    // Straight to a pod IP.
                    None if t.host.parse::<std::net::Ipv4Addr>().is_ok() => None,
                    None if self.proxy.by_name(&t.host, ns).is_some() => return Err(refused()),
                    None => return Err(format!("curl: (6) Could not resolve host: {}", t.host)),
                }
            }
        };
        let backend = match service {
            Some((svc, port)) => self.proxy.pick(&svc, &port).ok_or_else(refused)?,
            None => {
                let pod = self
                    .api
                    .list(Kind::Pod, None)
                    .find(|o| o.as_pod().and_then(|p| p.status.pod_ip.as_deref()) == Some(t.host.as_str()));
                let Some(pod) = pod.and_then(|o| o.as_pod()) else { return Err(timeout()) };
                crate::network::Backend {
                    namespace: pod.metadata.namespace.to_string(),
                    pod: pod.metadata.name.to_string(),
                    ip: t.host.clone(),
                    node: or_empty(&pod.spec.node_name).to_string(),
                    port: t.port,
                }
            }
        };
        let Some(kubelet) = self.kubelets.get(&backend.node).filter(|_| self.reachable(&backend.node)) else {
            return Err(timeout());
        };
        if let Some(transport) = self.transport.as_mut() {
            return transport.to_pod(&backend.ip, backend.port, &t.path);
        }
        let key = ObjKey::new(Kind::Pod, &backend.namespace, &backend.pod);
        match kubelet.listener(&key, backend.port) {
            Some(image) => {
                Ok(format!("Hello from {} on {} ({image}), you asked for {}", backend.pod, backend.node, t.path))
            }
            None => Err(refused()),
        }
    }
}
