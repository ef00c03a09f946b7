//! The curriculum: the learner's notes (`seed-notes.md`) every scenario's `covers` names,
//! each with a stable id, in the notes' order. `scenarios/README.md` maps them to scenarios.

/// `(id, the note as written)`.
pub const NOTES: &[(&str, &str)] = &[
    ("runs-containers-on-many-machines", "K8s system for running different containers over multiple machines"),
    ("deploys-containerized-apps", "K8s is system to deploy containerized apps"),
    ("scale-sets-of-containers", "EB will use multiple sets of all containers to scale"),
    ("cluster-master-and-nodes", "Cluster: master and nodes (VM or machine that runs containers)"),
    ("master-controls-nodes", "Master controls what each of node is doing, instructions sent out to master"),
    ("kubectl", "Kubectl to tell VM what containers are to be running"),
    ("minikube", "Minikube to run containers on the machine"),
    ("compose-services-are-containers", "Each service in docker-compose makes a container"),
    (
        "no-builds-one-file-per-object",
        "K8s cannot build images, one config file per object, need to manually set networking",
    ),
    ("object-types", "Make object types inside k8s cluster, each has a specific purpose (run container, networking)"),
    ("kind", "'kind' means type of object want to make. Pod will run container, service is for networking"),
    ("api-version", "apiVersion opens access to predefined set of object types"),
    ("kind-then-api-version", "First need to determine which object to make, and then decide which apiVersion"),
    ("nodes-run-pods", "VM will run Node for Kubernetes, Node runs various objects, like a Pod which runs containers"),
    ("pod-smallest-unit", "Pod is smallest thing that can be deployed"),
    ("pod-coupled-containers", "Pod for containers that need to run together"),
    ("pod-spec-containers", "Use 'spec' property of config file to name containers for Pod and image"),
    ("service-networking", "Service object type for networking k8s cluster with subtypes for specific uses"),
    ("nodeport", "Held in 'spec' of config E.x nodeport for exposing container for access during development"),
    (
        "label-selectors",
        "Label selector system: selector property in service config file, same k/v label in other object",
    ),
    (
        "selector-finds-labels",
        "Service has selector that looks for label in other object to expose port for that object",
    ),
    (
        "port-targetport-nodeport",
        "port is for other pods, target port is how service accesses your pod, nodeport is for outside",
    ),
    ("kubectl-get", "kubectl 'get' command will print out object types"),
    (
        "local-node-and-proxy",
        "k8s will create node (minikube on local) where a proxy allows you to interact with objects",
    ),
    ("node-has-an-ip", "Node is a VM created to run container, and VM has an IP that needs to be addressed to see"),
    ("deployment-updates-desired-state", "Deployment workflow: update desired state of master"),
    ("developer-works-with-master", "Developer works with master, which will then reach to node and update it"),
    ("master-maintains-state", "Master is watching nodes, and will work to maintain state/responsibilities"),
    ("node-is-a-machine", "Node is physical or VM that runs objects in cluster"),
    ("node-runs-a-container-runtime", "Node is running a copy of docker"),
    ("apiserver-takes-instructions", "Deployment file passes instructions to kube-apiserver"),
    ("apiserver-records-state", "kube-apiserver records the responsibilities it needs to perform"),
    ("nodes-pull-images", "kube-apiserver issues instructions to node, which then uses docker to get image from hub"),
    ("master-gets-notified", "Master watches nodes, and gets notification when something happens"),
    ("images-come-from-a-registry", "K8s gets images from somewhere, does not build it"),
    ("master-decides-placement", "MASTER decides where to run each container"),
    ("imperative", "Imperative: issue commands with such steps"),
    (
        "kubectl-declarative-commands",
        "kubectl has declarative approach commands, the desired set to interact through master",
    ),
    ("declarative", "Declarative: program should look like this, directive to do it"),
    (
        "declarative-needs-no-current-state",
        "Declarative superior because do not need to find current state of program and issue all commands",
    ),
    ("edit-config-and-send", "Edit config file to change state and sending it off to master"),
];

/// The ids, for "did you mean" and the index.
pub fn ids() -> impl Iterator<Item = &'static str> {
    NOTES.iter().map(|(id, _)| *id)
}
