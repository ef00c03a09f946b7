"""The official Kubernetes Python client against `kubesim serve`: list, create, patch,
watch, delete, and an error. Prints one line per step; exits non-zero on a failure."""

import sys

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()

nodes = core.list_node()
assert [n.metadata.name for n in nodes.items] == ["node-1", "node-2", "node-3"], nodes
print("list: 3 nodes, Ready:", all(c.status == "True" for n in nodes.items for c in n.status.conditions if c.type == "Ready"))

labels = {"app": "py"}
deployment = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels=labels),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels=labels),
            spec=client.V1PodSpec(containers=[client.V1Container(name="py", image="nginx:1.27")]),
        ),
    ),
)
created = apps.create_namespaced_deployment("default", deployment)
print("create:", created.metadata.name, "uid set:", bool(created.metadata.uid))

patched = apps.patch_namespaced_deployment("py", "default", {"spec": {"replicas": 3}})
print("patch: replicas", patched.spec.replicas)

running = set()
stream = watch.Watch().stream(core.list_namespaced_pod, "default", label_selector="app=py", timeout_seconds=30)
for event in stream:
    pod = event["object"]
    if pod.status.phase == "Running":
        running.add(pod.metadata.name)
    if len(running) == 3:
        break
print("watch: running pods", len(running))

apps.delete_namespaced_deployment("py", "default")
try:
    apps.read_namespaced_deployment("py", "default")
    print("delete: still there")
except client.ApiException as e:
    print("delete: then read ->", e.status, e.reason)

try:
    core.read_namespaced_pod("nope", "default")
except client.ApiException as e:
    print("error:", e.status, e.reason)
