//! The endpoint controllers: for every Service with a selector, an `Endpoints` object
//! (ready pods as addresses, others as notReadyAddresses, terminating pods left out) and
//! an `EndpointSlice` (every pod with ready/serving/terminating conditions). kubesim runs
//! both as one reconciler and keeps one slice per Service (upstream splits at 100
//! endpoints and by port resolution).

use std::collections::BTreeMap;

use super::pods::{controller_ref, ready_since};
use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::core::{Container, ObjectReference, Pod, Service};
use crate::api::discovery::{
    Endpoint, EndpointAddress, EndpointConditions, EndpointPort, EndpointSlice, EndpointSubset, Endpoints,
};
use crate::api::meta::{IntOrString, ObjectMeta, RareMeta};
use crate::api::{Kind, ObjKey, Object, Shared, Str};
use crate::apiserver::Change;
use crate::cluster::Cache;
use crate::engine::SimTime;

/// Label naming the Service of an EndpointSlice.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY: &str = "endpointslice-controller.k8s.io";

/// The most addresses an Endpoints object holds (`maxCapacity`): beyond, the controller
/// keeps 1,000 and marks the object with [`OVER_CAPACITY`] (EndpointSlices hold them all).
pub const MAX_CAPACITY: usize = 1_000;
/// The annotation on a truncated Endpoints object.
pub const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";

/// How long a slice create may stay unobserved before the controller stops waiting for
/// it (the create failed) and may create again; far beyond any watch latency.
const CREATE_EXPECTATION_MS: u64 = 1_000;

/// The controller.
#[derive(Default)]
pub struct EndpointsController {
    /// Services whose slice create is sent but not yet seen, with when it was sent
    /// (upstream's `endpointSliceTracker`): a second reconcile in that window must not
    /// create a duplicate.
    creating: BTreeMap<ObjKey, SimTime>,
    /// The names of the pods each Service selected at its last reconcile, sorted, so that
    /// a pod that leaves a selector (relabelled, deleted) still queues the Service it was in.
    members: BTreeMap<ObjKey, Vec<Str>>,
}

/// The port a Service port reaches on `pod` (`podutil.FindPort`): a number as is, a
/// name looked up among the pod's container ports of the same protocol.
pub fn target_port(port: &crate::api::core::ServicePort, pod: &Pod) -> Option<i32> {
    match port.target_port.as_ref() {
        None => Some(port.port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pod
            .spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .find(|p| p.name.as_deref() == Some(name.as_str()) && p.protocol == port.protocol)
            .map(|p| p.container_port),
    }
}

fn pod_ref(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: Some(pod.metadata.namespace.clone()),
        name: Some(pod.metadata.name.clone()),
        uid: Some(pod.metadata.uid.clone()),
        ..Default::default()
    }
}

/// The pods a Service sends traffic to (or would, once ready): selected, with an IP,
/// not finished; in no particular order.
fn selected_pods<'a>(svc: &Service, view: &'a Cache) -> Vec<&'a Pod> {
    let selects = |labels: &BTreeMap<String, String>| svc.spec.selector.iter().all(|(k, v)| labels.get(k) == Some(v));
    view.pods_selected(&svc.metadata.namespace, selects)
        .into_iter()
        .filter_map(|o| o.as_pod())
        .filter(|p| p.status.pod_ip.is_some())
        .filter(|p| !matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed")))
        .collect()
}

fn ports_for(svc: &Service, pod: Option<&Pod>) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .filter_map(|p| {
            let port = match pod {
                Some(pod) => target_port(p, pod)?,
                None => return None,
            };
            Some(EndpointPort { name: p.name.clone(), port, protocol: p.protocol.clone() })
        })
        .collect()
}

/// The ports, by name and number, that a subset's addresses share.
type SubsetKey = Vec<(Option<String>, i32)>;

/// The Endpoints object for `svc` given the pods it selects.
pub fn endpoints_for(svc: &Service, pods: &[&Pod]) -> Endpoints {
    // Group pods by the ports their container ports resolve to.
    let mut subsets: BTreeMap<SubsetKey, EndpointSubset> = BTreeMap::new();
    // The subset of the last pod's containers: the pods of a template share them (and
    // their ports are all `target_port` reads).
    let mut last: Option<(&Shared<Vec<Container>>, Option<SubsetKey>)> = None;
    for pod in pods.iter().filter(|p| p.metadata.deletion_timestamp.is_none()) {
        let key = match &last {
            Some((containers, key)) if Shared::ptr_eq(containers, &pod.spec.containers) => key,
            _ => {
                let ports = ports_for(svc, Some(pod));
                // A pod none of whose ports resolve is left out; a headless Service
                // without ports lists its pods' addresses alone.
                let key = (!ports.is_empty() || svc.spec.ports.is_empty()).then(|| {
                    let key: SubsetKey = ports.iter().map(|p| (p.name.clone(), p.port)).collect();
                    subsets.entry(key.clone()).or_insert_with(|| EndpointSubset { ports, ..Default::default() });
                    key
                });
                &last.insert((&pod.spec.containers, key)).1
            }
        };
        let Some(subset) = key.as_ref().and_then(|key| subsets.get_mut(key)) else { continue };
        let address = EndpointAddress {
            ip: pod.status.pod_ip.clone().unwrap_or_default(),
            node_name: pod.spec.node_name.clone(),
            target_ref: Some(pod_ref(pod)),
        };
        if ready_since(pod).is_some() {
            subset.addresses.push(address);
        } else {
            subset.not_ready_addresses.push(address);
        }
    }
    // Addresses in IP order, as `RepackSubsets` sorts them.
    for subset in subsets.values_mut() {
        subset.addresses.sort_by(|a, b| a.ip.cmp(&b.ip));
        subset.not_ready_addresses.sort_by(|a, b| a.ip.cmp(&b.ip));
    }
    let mut subsets: Vec<EndpointSubset> = subsets.into_values().collect();
    let truncated = truncate(&mut subsets);
    Endpoints {
        metadata: ObjectMeta {
            name: svc.metadata.name.clone(),
            namespace: svc.metadata.namespace.clone(),
            labels: svc.metadata.labels.clone(),
            annotations: if truncated {
                BTreeMap::from([(OVER_CAPACITY.to_string(), "truncated".to_string())]).into()
            } else {
                Default::default()
            },
            ..Default::default()
        },
        subsets,
        ..Default::default()
    }
}

/// Keeps at most [`MAX_CAPACITY`] addresses, ready ones first, each subset keeping its
/// share (rounded up, the last ones taking what is left), as `truncateEndpoints` does.
/// Returns whether any address was dropped.
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    if ready + not_ready <= MAX_CAPACITY {
        return false;
    }
    // Too many ready addresses: keep a share of them and none of the others; else keep
    // them all and a share of the others.
    let truncate_ready = ready > MAX_CAPACITY;
    let (room, total) = if truncate_ready { (MAX_CAPACITY, ready) } else { (MAX_CAPACITY - ready, not_ready) };
    let mut left = room;
    for subset in subsets {
        let addresses = if truncate_ready { &mut subset.addresses } else { &mut subset.not_ready_addresses };
        // In floating point, as upstream: its rounding errors round some exact shares up.
        let share = ((addresses.len() as f64 / total as f64) * room as f64).ceil() as usize;
        let share = share.min(left);
        addresses.truncate(share);
        left -= addresses.len();
        if truncate_ready {
            subset.not_ready_addresses.clear();
        }
    }
    true
}

fn slice_endpoints(pods: &[&Pod]) -> Vec<Endpoint> {
    pods.iter()
        .map(|pod| {
            let terminating = pod.metadata.deletion_timestamp.is_some();
            let serving = ready_since(pod).is_some();
            Endpoint {
                addresses: vec![pod.status.pod_ip.clone().unwrap_or_default()],
                conditions: EndpointConditions {
                    ready: Some(serving && !terminating),
                    serving: Some(serving),
                    terminating: Some(terminating),
                },
                node_name: pod.spec.node_name.clone(),
                target_ref: Some(pod_ref(pod)),
            }
        })
        .collect()
}

impl Reconciler for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoint-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Service, Kind::Pod, Kind::Endpoints, Kind::EndpointSlice]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        let ns = &obj.meta().namespace;
        match obj.kind() {
            Kind::Service | Kind::Endpoints => vec![ObjKey::new(Kind::Service, ns, &obj.meta().name)],
            Kind::EndpointSlice => {
                let Some(svc) = obj.meta().labels.get(SERVICE_NAME_LABEL) else { return Vec::new() };
                let key = ObjKey::new(Kind::Service, ns, svc);
                self.creating.remove(&key);
                vec![key]
            }
            // The Services the pod is in now, and those it was in (`getPodServiceMemberships`
            // of the new and old pod; the old from the members each reconcile records).
            Kind::Pod => {
                let Object::Pod(pod) = &**obj else { return Vec::new() };
                view.list_in(Kind::Service, ns)
                    .filter_map(|s| match &**s {
                        Object::Service(svc) if !svc.spec.selector.is_empty() => Some(svc),
                        _ => None,
                    })
                    .filter(|svc| {
                        let was_member = |key: &ObjKey| {
                            self.members.get(key).is_some_and(|m| m.binary_search(&pod.metadata.name).is_ok())
                        };
                        svc.spec.selector.iter().all(|(k, v)| pod.metadata.labels.get(k) == Some(v))
                            || was_member(&ObjKey::new(Kind::Service, ns, &svc.metadata.name))
                    })
                    .map(|svc| ObjKey::new(Kind::Service, ns, &svc.metadata.name))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let ep_key = ObjKey::new(Kind::Endpoints, &key.namespace, &key.name);
        let mut requests = Vec::new();
        let Some(Object::Service(svc)) = view.get(key).map(|o| (**o).clone()) else {
            // The Service is gone: so are its Endpoints (its slices go with their owner).
            self.members.remove(key);
            if view.get(&ep_key).is_some() {
                requests.push(ApiRequest::delete(ep_key));
            }
            return Reconcile { requests, ..Reconcile::done() };
        };
        if svc.spec.selector.is_empty() {
            return Reconcile::done();
        }
        let mut pods = selected_pods(&svc, view);
        // Sorted by name: found owner by owner, they come in a few sorted runs.
        let mut members: Vec<Str> = pods.iter().map(|p| p.metadata.name.clone()).collect();
        members.sort();
        self.members.insert(key.clone(), members);
        // In IP order (then by name, for pods sharing their node's), as `RepackSubsets`
        // sorts addresses.
        pods.sort_unstable_by(|a, b| (&a.status.pod_ip, &a.metadata.name).cmp(&(&b.status.pod_ip, &b.metadata.name)));
        let endpoints = endpoints_for(&svc, &pods);
        match view.get(&ep_key).map(|o| &**o) {
            Some(Object::Endpoints(current)) => {
                // Upstream compares the addresses before truncation, and so rewrites an
                // over-capacity object at every sync; kubesim writes it when it changes.
                let marked = |e: &Endpoints| e.metadata.annotations.get(OVER_CAPACITY).cloned();
                let mark = marked(&endpoints);
                if current.subsets != endpoints.subsets
                    || current.metadata.labels != endpoints.metadata.labels
                    || marked(current) != mark
                {
                    let mut metadata = current.metadata.clone();
                    metadata.labels = endpoints.metadata.labels;
                    match mark {
                        Some(mark) => metadata.annotations.insert(OVER_CAPACITY.to_string(), mark),
                        None => metadata.annotations.remove(OVER_CAPACITY),
                    };
                    let updated = Endpoints {
                        api_version: current.api_version.clone(),
                        kind: current.kind.clone(),
                        metadata,
                        subsets: endpoints.subsets,
                    };
                    requests.push(ApiRequest::Update(Object::from(updated)));
                }
            }
            _ => requests.push(ApiRequest::Create(Object::from(endpoints))),
        }
        let owner = Object::Service(svc.clone());
        let mut slices = view.dependents_of(&svc.metadata.uid).filter(|o| o.kind() == Kind::EndpointSlice);
        let existing = slices.next().and_then(|o| o.as_endpoint_slice());
        // kubesim keeps one slice per Service: any other (a create raced) goes.
        for extra in slices {
            requests.push(ApiRequest::delete(extra.key()));
        }
        let wanted_endpoints = slice_endpoints(&pods);
        // A slice's port names are always set, empty for an unnamed port, as the
        // EndpointSlice controller writes them (`kubectl describe service` relies on it).
        let wanted_ports: Vec<EndpointPort> = ports_for(&svc, pods.first().copied())
            .into_iter()
            .map(|p| EndpointPort { name: Some(p.name.unwrap_or_default()), ..p })
            .collect();
        let awaited = self.creating.get(key).is_some_and(|sent| now.0.saturating_sub(sent.0) < CREATE_EXPECTATION_MS);
        match existing {
            None if awaited => {
                return Reconcile { requests, requeue_after_ms: Some(CREATE_EXPECTATION_MS), ..Reconcile::done() };
            }
            Some(current) => {
                if current.endpoints != wanted_endpoints || current.ports != wanted_ports {
                    // Not a clone of its endpoints, only to drop them.
                    let updated = EndpointSlice {
                        api_version: current.api_version.clone(),
                        kind: current.kind.clone(),
                        metadata: current.metadata.clone(),
                        address_type: current.address_type.clone(),
                        endpoints: wanted_endpoints,
                        ports: wanted_ports,
                    };
                    requests.push(ApiRequest::Update(Object::from(updated)));
                }
            }
            None => {
                self.creating.insert(key.clone(), now);
                requests.push(ApiRequest::Create(Object::from(EndpointSlice {
                    metadata: ObjectMeta {
                        rare: RareMeta {
                            generate_name: Some(format!("{}-", svc.metadata.name).into()),
                            ..Default::default()
                        }
                        .into(),
                        namespace: svc.metadata.namespace.clone(),
                        labels: BTreeMap::from([
                            (SERVICE_NAME_LABEL.to_string(), svc.metadata.name.to_string()),
                            (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
                        ])
                        .into(),
                        owner_references: vec![controller_ref(&owner)].into(),
                        ..Default::default()
                    },
                    address_type: "IPv4".into(),
                    endpoints: wanted_endpoints,
                    ports: wanted_ports,
                    ..Default::default()
                })))
            }
        }
        Reconcile { requests, ..Reconcile::done() }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::api::meta::Condition;
    use crate::apiserver::ChangeType;

    /// Pod `db-<i>` with IP 10.244.<i/250>.<i%250>, labelled app=db, Ready or not.
    fn pod(i: usize, ready: bool) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.namespace = "default".into();
        pod.metadata.name = format!("db-{i}").into();
        pod.metadata.labels.insert("app".into(), "db".into());
        pod.status.pod_ip = Some(format!("10.244.{}.{}", i / 250, i % 250).into());
        if ready {
            pod.status.conditions.push(Condition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            });
        }
        pod
    }

    fn service() -> Service {
        let mut svc = Service::default();
        svc.metadata.namespace = "default".into();
        svc.metadata.name = "db".into();
        svc.spec.selector.insert("app".into(), "db".into());
        svc
    }

    fn counts(endpoints: &Endpoints) -> (usize, usize, Option<&str>) {
        let ready = endpoints.subsets.iter().map(|s| s.addresses.len()).sum();
        let not_ready = endpoints.subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
        (ready, not_ready, endpoints.metadata.annotations.get(OVER_CAPACITY).map(|v| v.as_str()))
    }

    #[test]
    fn endpoints_hold_at_most_1000_addresses_ready_first() {
        let svc = service();
        let pods: Vec<Pod> = (0..1_300).map(|i| pod(i, i < 1_200)).collect();
        let refs: Vec<&Pod> = pods.iter().collect();
        assert_eq!(counts(&endpoints_for(&svc, &refs[..1_000])), (1_000, 0, None));
        assert_eq!(counts(&endpoints_for(&svc, &refs)), (1_000, 0, Some("truncated")));
        // Room for every ready address and some of the others.
        let mixed: Vec<&Pod> = refs[250..].to_vec();
        assert_eq!(counts(&endpoints_for(&svc, &mixed)), (950, 50, Some("truncated")));
        // The first addresses in IP order (as strings, as `RepackSubsets` sorts) are kept.
        let kept: Vec<String> =
            endpoints_for(&svc, &refs).subsets[0].addresses.iter().map(|a| a.ip.to_string()).collect();
        let mut ready: Vec<String> =
            pods[..1_200].iter().filter_map(|p| p.status.pod_ip.as_deref()).map(String::from).collect();
        ready.sort();
        assert_eq!(kept, ready[..1_000]);
    }

    #[test]
    fn truncation_keeps_each_subsets_share() {
        let address =
            |i: usize| EndpointAddress { ip: format!("10.0.{}.{}", i / 250, i % 250).into(), ..Default::default() };
        let subset = |n: usize, ready: bool| {
            let addresses: Vec<EndpointAddress> = (0..n).map(address).collect();
            if ready {
                EndpointSubset { addresses, ..Default::default() }
            } else {
                EndpointSubset { not_ready_addresses: addresses, ..Default::default() }
            }
        };
        // 1,500 ready in two subsets of 600 and 900: 40% and 60% of the 1,000 kept.
        let mut subsets = vec![subset(600, true), subset(900, true)];
        assert!(truncate(&mut subsets));
        assert_eq!(subsets.iter().map(|s| s.addresses.len()).collect::<Vec<_>>(), [400, 600]);
        // Rounded up, the last one gets what is left.
        let mut subsets = vec![subset(1, true), subset(1_000, true)];
        assert!(truncate(&mut subsets));
        assert_eq!(subsets.iter().map(|s| s.addresses.len()).collect::<Vec<_>>(), [1, 999]);
        // Every ready address kept, the 50 places left shared among the not-ready ones as
        // upstream computes it: 28/100 of 50 is 14.000000000000002 in floating point, so 15.
        let mut subsets = vec![subset(500, true), subset(450, true), subset(28, false), subset(72, false)];
        assert!(truncate(&mut subsets));
        let kept: Vec<(usize, usize)> =
            subsets.iter().map(|s| (s.addresses.len(), s.not_ready_addresses.len())).collect();
        assert_eq!(kept, [(500, 0), (450, 0), (0, 15), (0, 35)]);
        let mut small = vec![subset(500, true), subset(500, false)];
        assert!(!truncate(&mut small));
    }

    #[test]
    fn the_over_capacity_mark_goes_once_the_addresses_fit() {
        let mut view = Cache::indexed();
        let add = |view: &mut Cache, object: Object| {
            view.apply(&Change { type_: ChangeType::Added, object: Rc::new(object) });
        };
        let svc = service();
        add(&mut view, Object::from(svc.clone()));
        let pods: Vec<Pod> = (0..1_001).map(|i| pod(i, true)).collect();
        let mut truncated = endpoints_for(&svc, &pods.iter().collect::<Vec<_>>());
        truncated.metadata.annotations.insert("note".into(), "kept".into());
        add(&mut view, Object::from(truncated));
        for pod in &pods[..999] {
            add(&mut view, Object::from(pod.clone()));
        }
        let key = ObjKey::new(Kind::Service, "default", "db");
        let done = EndpointsController::default().reconcile(&key, &view, SimTime::ZERO);
        let updated = done.requests.iter().find_map(|r| match r {
            ApiRequest::Update(Object::Endpoints(e)) => Some(e),
            _ => None,
        });
        let updated = updated.expect("the Endpoints are rewritten");
        assert_eq!(counts(updated), (999, 0, None));
        assert_eq!(updated.metadata.annotations.get("note").map(|v| v.as_str()), Some("kept"));
    }

    #[test]
    fn a_headless_service_without_ports_lists_addresses_alone() {
        let mut svc = Service::default();
        svc.spec.selector.insert("app".into(), "db".into());
        let mut pod = Pod::default();
        pod.metadata.name = "db-0".into();
        pod.metadata.labels.insert("app".into(), "db".into());
        pod.status.pod_ip = Some("10.244.1.7".into());
        pod.status.conditions.push(Condition { type_: "Ready".into(), status: "True".into(), ..Default::default() });
        let endpoints = endpoints_for(&svc, &[&pod]);
        assert_eq!(endpoints.subsets.len(), 1);
        assert_eq!(endpoints.subsets[0].addresses[0].ip, "10.244.1.7");
        assert!(endpoints.subsets[0].ports.is_empty());
        // With a port no container offers, the pod is left out.
        svc.spec.ports.push(crate::api::core::ServicePort {
            target_port: Some(IntOrString::String("http".into())),
            ..Default::default()
        });
        assert!(endpoints_for(&svc, &[&pod]).subsets.is_empty());
    }
}
