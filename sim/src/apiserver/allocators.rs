//! ClusterIP and NodePort allocation for Services, as the apiserver's registries do:
//! a random free address in the service CIDR (10.96.0.0/12) and a random free port in
//! 30000-32767, both drawn from seeded streams.

use std::collections::BTreeSet;

use rand::RngExt;

use crate::api::core::Service;
use crate::api::validation::FieldError;
use crate::engine::{SimRng, rng};

/// First address of the default service CIDR 10.96.0.0/12.
const SERVICE_CIDR_BASE: u32 = u32::from_be_bytes([10, 96, 0, 0]);
/// Size of a /12.
const SERVICE_CIDR_SIZE: u32 = 1 << 20;
/// The NodePort range.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;

/// Allocated Service IPs and NodePorts.
#[derive(Clone)]
pub struct Allocators {
    cluster_ips: BTreeSet<u32>,
    node_ports: BTreeSet<i32>,
    rng: SimRng,
}

fn ip_to_string(ip: u32) -> String {
    let [a, b, c, d] = ip.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

fn parse_ip(text: &str) -> Option<u32> {
    let parts: Vec<u8> = text.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let bytes: [u8; 4] = parts.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

impl Allocators {
    /// Empty allocators drawing from `seed`.
    pub fn new(seed: u64) -> Allocators {
        Allocators {
            cluster_ips: BTreeSet::new(),
            node_ports: BTreeSet::new(),
            rng: rng::stream(seed, "apiserver/allocators"),
        }
    }

    /// Gives a new Service its clusterIP and nodePorts, or says why the requested ones
    /// cannot be had. Nothing is allocated when an error is returned.
    pub fn allocate_service(&mut self, svc: &mut Service) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let type_ = svc.spec.type_.clone().unwrap_or_default();
        let wants_node_ports = type_ == "NodePort" || type_ == "LoadBalancer";
        let mut requested_ports = BTreeSet::new();
        for (i, port) in svc.spec.ports.iter().enumerate() {
            if let Some(np) = port.node_port.filter(|p| *p != 0) {
                if !wants_node_ports {
                    continue;
                }
                if self.node_ports.contains(&np) || !requested_ports.insert(np) {
                    errors.push(FieldError {
                        path: format!("spec.ports[{i}].nodePort"),
                        detail: format!("Invalid value: {np}: provided port is already allocated"),
                    });
                }
            }
        }
        let requested_ip = svc.spec.cluster_ip.clone().filter(|ip| !ip.is_empty() && ip != "None");
        let ip = match &requested_ip {
            Some(text) => match parse_ip(text) {
                Some(ip) if !(SERVICE_CIDR_BASE..SERVICE_CIDR_BASE + SERVICE_CIDR_SIZE).contains(&ip) => {
                    errors.push(FieldError {
                        path: "spec.clusterIPs".into(),
                        detail: format!("Invalid value: []string{{\"{text}\"}}: failed to allocate IP {text}: the provided IP ({text}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"),
                    });
                    None
                }
                Some(ip) if self.cluster_ips.contains(&ip) => {
                    errors.push(FieldError {
                        path: "spec.clusterIPs".into(),
                        detail: format!("Invalid value: []string{{\"{text}\"}}: failed to allocate IP {text}: provided IP is already allocated"),
                    });
                    None
                }
                Some(ip) => Some(ip),
                None => {
                    errors.push(FieldError {
                        path: "spec.clusterIPs[0]".into(),
                        detail: format!("Invalid value: \"{text}\": must be a valid IP address"),
                    });
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        if svc.spec.cluster_ip.as_deref() != Some("None") && type_ != "ExternalName" {
            let ip = ip.unwrap_or_else(|| self.random_ip());
            self.cluster_ips.insert(ip);
            svc.spec.cluster_ip = Some(ip_to_string(ip));
            svc.spec.cluster_ips = vec![ip_to_string(ip)];
        } else if svc.spec.cluster_ip.as_deref() == Some("None") {
            svc.spec.cluster_ips = vec!["None".into()];
        }
        if wants_node_ports {
            for port in &mut svc.spec.ports {
                let np = match port.node_port.filter(|p| *p != 0) {
                    Some(np) => np,
                    None => self.random_node_port(),
                };
                self.node_ports.insert(np);
                port.node_port = Some(np);
            }
        } else {
            for port in &mut svc.spec.ports {
                port.node_port = None;
            }
        }
        Ok(())
    }

    /// Keeps the clusterIP of an updated Service and (de)allocates nodePorts when its
    /// type or ports change.
    pub fn update_service(&mut self, old: &Service, new: &mut Service) -> Result<(), Vec<FieldError>> {
        if new.spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
            new.spec.cluster_ip = old.spec.cluster_ip.clone();
            new.spec.cluster_ips = old.spec.cluster_ips.clone();
        }
        if new.spec.cluster_ip != old.spec.cluster_ip {
            return Err(vec![FieldError {
                path: "spec.clusterIPs[0]".into(),
                detail: format!(
                    "Invalid value: []string{{\"{}\"}}: may not change once set",
                    new.spec.cluster_ip.clone().unwrap_or_default()
                ),
            }]);
        }
        let old_ports: BTreeSet<i32> = old.spec.ports.iter().filter_map(|p| p.node_port).collect();
        // Keep each port's nodePort when the user's update leaves it out (as kubectl apply does).
        for port in &mut new.spec.ports {
            if port.node_port.is_none() {
                port.node_port = old.spec.ports.iter().find(|o| o.port == port.port).and_then(|o| o.node_port);
            }
        }
        for np in &old_ports {
            self.node_ports.remove(np);
        }
        let mut scratch = new.clone();
        scratch.spec.cluster_ip = Some("None".into());
        match self.allocate_service(&mut scratch) {
            Ok(()) => {
                new.spec.ports = scratch.spec.ports;
                Ok(())
            }
            Err(e) => {
                self.node_ports.extend(old_ports);
                Err(e)
            }
        }
    }

    /// Frees what a deleted Service held.
    pub fn release_service(&mut self, svc: &Service) {
        if let Some(ip) = svc.spec.cluster_ip.as_deref().and_then(parse_ip) {
            self.cluster_ips.remove(&ip);
        }
        for p in &svc.spec.ports {
            if let Some(np) = p.node_port {
                self.node_ports.remove(&np);
            }
        }
    }

    /// Reserves an IP before any random allocation (the `kubernetes` Service's 10.96.0.1).
    pub fn reserve_ip(&mut self, text: &str) {
        if let Some(ip) = parse_ip(text) {
            self.cluster_ips.insert(ip);
        }
    }

    fn random_ip(&mut self) -> u32 {
        loop {
            // Skip the network address and the first host (the kubernetes Service).
            let ip = SERVICE_CIDR_BASE + self.rng.random_range(2..SERVICE_CIDR_SIZE - 1);
            if !self.cluster_ips.contains(&ip) {
                return ip;
            }
        }
    }

    fn random_node_port(&mut self) -> i32 {
        let free = NODE_PORT_RANGE.count() - self.node_ports.len();
        assert!(free > 0, "NodePort range exhausted");
        loop {
            let p = self.rng.random_range(NODE_PORT_RANGE);
            if !self.node_ports.contains(&p) {
                return p;
            }
        }
    }
}
