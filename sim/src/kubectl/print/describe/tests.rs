use std::rc::Rc;

use super::*;
use crate::api::apps::{Deployment, PodTemplateSpec, ReplicaSet};
use crate::api::core::{
    Container, ContainerPort, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus,
    EventSource, Lease, NodeAddress, NodeSystemInfo, ObjectReference, PodIp, ResourceRequirements, Service,
    ServicePort,
};
use crate::api::meta::{Condition, IntOrString, LabelSelector, MicroTime, OwnerReference, Quantity};
use crate::api::{Kind, ObjKey};

const S: u64 = 1000;

fn server() -> ApiServer {
    let mut api = ApiServer::new(0);
    let mut ns = Namespace::default();
    ns.metadata.name = "default".into();
    api.create(SimTime::ZERO, Object::Namespace(ns)).unwrap();
    api
}

fn create(api: &mut ApiServer, at_ms: u64, obj: Object) -> Object {
    (*api.create(SimTime(at_ms), obj).unwrap().object).clone()
}

fn stored(api: &ApiServer, kind: Kind, namespace: &str, name: &str) -> Rc<Object> {
    api.get(&ObjKey::new(kind, namespace, name)).unwrap().clone()
}

fn condition(type_: &str, status: &str) -> Condition {
    Condition { type_: type_.into(), status: status.into(), ..Default::default() }
}

fn t(ms: u64) -> Option<Time> {
    Some(Time(SimTime(ms)))
}

/// An event about `about`, first seen at `first` and last at `last`.
struct Ev<'a> {
    type_: &'a str,
    reason: &'a str,
    from: &'a str,
    message: &'a str,
    first: u64,
    last: u64,
    count: i32,
}

fn record(api: &mut ApiServer, about: &Object, ev: Ev) {
    let meta = about.meta();
    let mut e = Event::default();
    let seq = api.list(Kind::Event, None).count();
    e.metadata.name = format!("{}.{:016x}", meta.name, 0x181a_0000_0000_0000_u64 + seq as u64);
    e.metadata.namespace = if meta.namespace.is_empty() { "default".into() } else { meta.namespace.clone() };
    e.involved_object = ObjectReference {
        kind: Some(about.kind().name().into()),
        name: Some(meta.name.clone()),
        namespace: Some(meta.namespace.clone()),
        uid: Some(meta.uid.clone()),
        ..Default::default()
    };
    e.type_ = Some(ev.type_.into());
    e.reason = Some(ev.reason.into());
    e.message = Some(ev.message.into());
    e.source = EventSource { component: Some(ev.from.into()), host: None };
    e.first_timestamp = t(ev.first);
    e.last_timestamp = t(ev.last);
    e.count = Some(ev.count);
    create(api, ev.last, Object::Event(e));
}

fn nginx() -> Container {
    Container { name: "nginx".into(), image: Some("nginx:1.27".into()), ..Default::default() }
}

fn running_status(started: u64) -> ContainerStatus {
    ContainerStatus {
        name: "nginx".into(),
        state: ContainerState { running: Some(ContainerStateRunning { started_at: t(started) }), ..Default::default() },
        ready: true,
        image: "docker.io/library/nginx:1.27".into(),
        image_id: "docker.io/library/nginx@sha256:0a399eb1".into(),
        container_id: Some("containerd://4f2c1d9e".into()),
        ..Default::default()
    }
}

/// A running pod `web` on node-2, created at 0 and started at 1s.
fn web_pod(api: &mut ApiServer) -> Object {
    let mut p = Pod::default();
    p.metadata.name = "web".into();
    p.metadata.labels.insert("run".into(), "web".into());
    p.spec.containers = vec![nginx()];
    let Object::Pod(mut p) = create(api, 0, Object::Pod(p)) else { unreachable!() };
    p.spec.node_name = Some("node-2".into());
    let Some(Object::Pod(bound)) = api.update(Object::Pod(p)).unwrap().map(|c| (*c.object).clone()) else {
        unreachable!()
    };
    let mut p = bound;
    p.status.phase = Some("Running".into());
    p.status.host_ip = Some("172.18.0.3".into());
    p.status.pod_ip = Some("10.244.2.7".into());
    p.status.pod_ips = vec![PodIp { ip: "10.244.2.7".into() }];
    p.status.start_time = t(S);
    p.status.conditions = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
        .iter()
        .map(|c| condition(c, "True"))
        .collect();
    p.status.container_statuses = vec![running_status(3 * S)];
    api.update_status(Object::Pod(p)).unwrap();
    (*stored(api, Kind::Pod, "default", "web")).clone()
}

#[test]
fn pod_with_events() {
    let mut api = server();
    let pod = web_pod(&mut api);
    let events = [
        ("Normal", "Scheduled", "default-scheduler", "Successfully assigned default/web to node-2", 0),
        ("Normal", "Pulled", "kubelet", "Container image \"nginx:1.27\" already present on machine", 2),
        ("Normal", "Created", "kubelet", "Created container: nginx", 2),
        ("Normal", "Started", "kubelet", "Started container nginx", 3),
    ];
    for (type_, reason, from, message, at) in events {
        let at = at * S;
        record(&mut api, &pod, Ev { type_, reason, from, message, first: at, last: at, count: 1 });
    }
    let out = describe(&pod, &api, SimTime(65 * S));
    println!("{out}");
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn node_fixture(api: &mut ApiServer) -> Object {
    let mut n = crate::api::core::Node::default();
    n.metadata.name = "node-2".into();
    n.metadata.labels = labels(&[("kubernetes.io/hostname", "node-2"), ("kubernetes.io/os", "linux")]);
    n.metadata.annotations.insert("node.alpha.kubernetes.io/ttl".into(), "0".into());
    n.spec.pod_cidr = Some("10.244.2.0/24".into());
    n.spec.pod_cidrs = vec!["10.244.2.0/24".into()];
    n.spec.taints = vec![Taint {
        key: "node.kubernetes.io/unreachable".into(),
        value: None,
        effect: "NoSchedule".into(),
        time_added: None,
    }];
    let Object::Node(mut n) = create(api, 0, Object::Node(n)) else { unreachable!() };
    let q = |v: &str| Quantity(v.into());
    n.status.capacity = [("cpu", "2"), ("memory", "4Gi"), ("pods", "110"), ("ephemeral-storage", "100Gi")]
        .iter()
        .map(|(k, v)| (k.to_string(), q(v)))
        .collect();
    n.status.allocatable = n.status.capacity.clone();
    n.status.conditions = vec![Condition {
        type_: "Ready".into(),
        status: "True".into(),
        last_heartbeat_time: t(60 * S),
        last_transition_time: t(5 * S),
        reason: Some("KubeletReady".into()),
        message: Some("kubelet is posting ready status".into()),
        ..Default::default()
    }];
    n.status.addresses = vec![
        NodeAddress { type_: "InternalIP".into(), address: "172.18.0.3".into() },
        NodeAddress { type_: "Hostname".into(), address: "node-2".into() },
    ];
    n.status.node_info = Some(NodeSystemInfo {
        machine_id: "m2".into(),
        system_uuid: "u2".into(),
        boot_id: "b2".into(),
        kernel_version: "6.8.0".into(),
        os_image: "Debian GNU/Linux 12 (bookworm)".into(),
        container_runtime_version: "containerd://1.7.24".into(),
        kubelet_version: "v1.32.0".into(),
        kube_proxy_version: "v1.32.0".into(),
        operating_system: "linux".into(),
        architecture: "amd64".into(),
    });
    api.update_status(Object::Node(n)).unwrap();
    (*stored(api, Kind::Node, "", "node-2")).clone()
}

fn lease_fixture(api: &mut ApiServer) -> Object {
    let mut ns = Namespace::default();
    ns.metadata.name = "kube-node-lease".into();
    create(api, 0, Object::Namespace(ns));
    let mut lease = Lease::default();
    lease.metadata.name = "node-2".into();
    lease.metadata.namespace = "kube-node-lease".into();
    lease.spec.holder_identity = Some("node-2".into());
    lease.spec.lease_duration_seconds = Some(40);
    lease.spec.renew_time = Some(MicroTime(SimTime(60 * S)));
    create(api, 0, Object::Lease(lease))
}

#[test]
fn show_more() {
    let mut api = server();
    let node = node_fixture(&mut api);
    let lease = lease_fixture(&mut api);
    let mut pod = web_pod(&mut api);
    if let Object::Pod(p) = &mut pod {
        p.spec.containers[0].resources = Some(ResourceRequirements {
            requests: [("cpu".to_string(), Quantity("100m".into())), ("memory".to_string(), Quantity("128Mi".into()))]
                .into(),
            limits: [("memory".to_string(), Quantity("256Mi".into()))].into(),
        });
    }
    let _ = api.update(pod.clone());
    record(
        &mut api,
        &node,
        Ev {
            type_: "Normal",
            reason: "NodeReady",
            from: "kubelet",
            message: "Node node-2 status is now: NodeReady",
            first: 5 * S,
            last: 5 * S,
            count: 1,
        },
    );
    println!("{}", describe(&node, &api, SimTime(65 * S)));
    println!("=====");
    println!("{}", describe(&lease, &api, SimTime(65 * S)));
}
