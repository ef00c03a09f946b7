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
    e.metadata.name = format!("{}.{:x}{}", meta.name, ev.first, ev.reason.to_lowercase());
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
