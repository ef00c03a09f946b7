//! The image catalog: what each image does in the virtual runtime, since no real image is
//! ever pulled. Behaviours are chosen to teach: web servers that serve, jobs that finish,
//! images that crash, that never pull, or that outgrow their memory limit.

use std::collections::BTreeMap;
use std::rc::Rc;

/// What a container of an image does once started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifetime {
    /// Runs until stopped.
    Forever,
    /// Exits by itself after `after_ms` with `code`.
    Exits {
        /// Milliseconds after start.
        after_ms: u64,
        /// Exit code.
        code: i32,
    },
}

/// The simulated behaviour of one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageBehavior {
    /// Whether the registry has it; `false` makes every pull fail.
    pub pullable: bool,
    /// Time to pull it onto a node.
    pub pull_ms: u64,
    /// Its size, as the `Pulled` event reports.
    pub size_bytes: u64,
    /// Time from create to running.
    pub start_ms: u64,
    /// Time from running until it answers on its port (readiness).
    pub ready_after_ms: u64,
    /// How it ends.
    pub lifetime: Lifetime,
    /// Memory it settles at, in MiB; above the container's limit it is OOMKilled.
    pub memory_mib: u64,
    /// Time it takes to exit on SIGTERM; `None` means it ignores SIGTERM and is
    /// killed when the grace period ends.
    pub stop_ms: Option<u64>,
    /// The port it serves HTTP on, if any.
    pub http_port: Option<u16>,
    /// Lines it writes to stdout at start (`kubectl logs`), shared by its containers.
    pub logs: Rc<[String]>,
}

impl ImageBehavior {
    fn server(pull_ms: u64, size_bytes: u64, port: u16, logs: &[&str]) -> ImageBehavior {
        ImageBehavior {
            pullable: true,
            pull_ms,
            size_bytes,
            start_ms: 300,
            ready_after_ms: 1000,
            lifetime: Lifetime::Forever,
            memory_mib: 20,
            stop_ms: Some(100),
            http_port: Some(port),
            logs: logs.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Images by repository (`nginx`, `kubesim/crashloop`); tags only matter for `latest`
/// vs pinned pull policy and for a `:does-not-exist` style unknown tag.
#[derive(Debug, Clone)]
pub struct ImageCatalog {
    images: BTreeMap<String, ImageBehavior>,
}

/// Why a pull fails, in containerd's words.
pub fn pull_error(image: &str) -> String {
    let reference = normalize(image);
    format!(
        "failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
    )
}

/// `nginx` → `docker.io/library/nginx:latest`, as containerd names references.
pub fn normalize(image: &str) -> String {
    let (name, tag) = split_tag(image);
    let name = if name.contains('/') {
        let first = name.split('/').next().unwrap_or("");
        if first.contains('.') || first.contains(':') || first == "localhost" {
            name.to_string()
        } else {
            format!("docker.io/{name}")
        }
    } else {
        format!("docker.io/library/{name}")
    };
    format!("{name}:{}", tag.unwrap_or("latest"))
}

/// Splits `repo:tag` (a `:` in a registry host is not a tag).
fn split_tag(image: &str) -> (&str, Option<&str>) {
    let image = image.split('@').next().unwrap_or(image);
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (image, None),
    }
}

/// The repository part used as the catalog key: `docker.io/library/nginx:1` → `nginx`.
pub fn repository(image: &str) -> String {
    let (name, _) = split_tag(image);
    name.trim_start_matches("docker.io/").trim_start_matches("library/").to_string()
}

impl Default for ImageCatalog {
    fn default() -> Self {
        let mut images = BTreeMap::new();
        images.insert(
            "nginx".into(),
            ImageBehavior::server(
                2_100,
                72_188_133,
                80,
                &[
                    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                    "/docker-entrypoint.sh: Configuration complete; ready for start up",
                    "[notice] 1#1: using the \"epoll\" event method",
                    "[notice] 1#1: start worker processes",
                ],
            ),
        );
        images.insert(
            "httpd".into(),
            ImageBehavior::server(1_800, 58_000_000, 80, &["AH00094: Command line: 'httpd -D FOREGROUND'"]),
        );
        images.insert(
            "redis".into(),
            ImageBehavior::server(
                1_500,
                45_000_000,
                6379,
                &["* Server initialized", "* Ready to accept connections tcp"],
            ),
        );
        images.insert(
            "postgres".into(),
            ImageBehavior {
                ready_after_ms: 4_000,
                memory_mib: 60,
                ..ImageBehavior::server(4_200, 160_000_000, 5432, &["database system is ready to accept connections"])
            },
        );
        images.insert(
            "busybox".into(),
            ImageBehavior {
                lifetime: Lifetime::Exits { after_ms: 100, code: 0 },
                http_port: None,
                ready_after_ms: 0,
                memory_mib: 1,
                ..ImageBehavior::server(600, 2_156_000, 0, &[])
            },
        );
        images.insert(
            "kubesim/web".into(),
            ImageBehavior::server(500, 2_000_000, 8080, &["kubesim/web: serving HTTP on :8080"]),
        );
        images.insert(
            "kubesim/crashloop".into(),
            ImageBehavior {
                lifetime: Lifetime::Exits { after_ms: 2_000, code: 1 },
                http_port: None,
                logs: [
                    "kubesim/crashloop: starting".into(),
                    "panic: configuration file /etc/app.conf not found".into(),
                ]
                .into(),
                ..ImageBehavior::server(500, 2_000_000, 0, &[])
            },
        );
        images.insert(
            "kubesim/complete".into(),
            ImageBehavior {
                lifetime: Lifetime::Exits { after_ms: 5_000, code: 0 },
                http_port: None,
                logs: ["kubesim/complete: working".into(), "kubesim/complete: done".into()].into(),
                ..ImageBehavior::server(500, 2_000_000, 0, &[])
            },
        );
        images.insert(
            "kubesim/memhog".into(),
            ImageBehavior {
                memory_mib: 1_024,
                logs: ["kubesim/memhog: allocating 1Gi".into()].into(),
                ..ImageBehavior::server(500, 2_000_000, 0, &[])
            },
        );
        images.insert(
            "kubesim/slow-start".into(),
            ImageBehavior {
                ready_after_ms: 30_000,
                ..ImageBehavior::server(500, 2_000_000, 8080, &["kubesim/slow-start: warming up for 30s"])
            },
        );
        images.insert(
            "kubesim/stubborn".into(),
            ImageBehavior {
                stop_ms: None,
                ..ImageBehavior::server(500, 2_000_000, 8080, &["kubesim/stubborn: ignoring SIGTERM"])
            },
        );
        ImageCatalog { images }
    }
}

impl ImageCatalog {
    /// The behaviour of `image`, or `None` when no registry has it.
    pub fn lookup(&self, image: &str) -> Option<&ImageBehavior> {
        let (_, tag) = split_tag(image);
        // A tag nobody publishes: `nginx:does-not-exist`.
        if tag.is_some_and(|t| t.starts_with("does-not-exist") || t.starts_with("nonexistent")) {
            return None;
        }
        self.images.get(&repository(image)).filter(|b| b.pullable)
    }

    /// Adds or replaces an image (scenario files extend the catalog).
    pub fn insert(&mut self, repository: &str, behavior: ImageBehavior) {
        self.images.insert(repository.to_string(), behavior);
    }

    /// Every image, by repository.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ImageBehavior)> {
        self.images.iter()
    }
}

/// One image in a catalog file (or a scenario's `cluster.images`); unset fields come
/// from `like` (default `kubesim/web`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageSpec {
    like: Option<String>,
    pullable: Option<bool>,
    pull: Option<String>,
    size_bytes: Option<u64>,
    start: Option<String>,
    ready_after: Option<String>,
    exit_after: Option<String>,
    exit_code: Option<i32>,
    #[serde(rename = "memoryMiB")]
    memory_mib: Option<u64>,
    /// A duration, or `never` for an image that ignores SIGTERM.
    stop: Option<String>,
    http_port: Option<u16>,
    logs: Option<Vec<String>>,
}

/// A catalog file: `images:` mapping repository names to behaviours.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    images: BTreeMap<String, ImageSpec>,
}

impl ImageCatalog {
    /// Adds the images of a catalog file (YAML), e.g.
    ///
    /// ```yaml
    /// images:
    ///   myorg/api:          # like kubesim/web unless `like:` says otherwise
    ///     pull: 1500ms
    ///     readyAfter: 3s
    ///     exitAfter: 20s
    ///     exitCode: 1
    ///     httpPort: 8080
    /// ```
    ///
    /// Errors name the file, line and column. Nothing is added unless every image is valid.
    pub fn load_file(&mut self, file: &str, text: &str) -> Result<(), String> {
        let de = serde_yaml::Deserializer::from_str(text);
        let parsed: CatalogFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let e = crate::api::decode::YamlError::new(&e, 1);
            let hint = e.hint.map(|h| format!(" ({h})")).unwrap_or_default();
            format!("error parsing {file}:{}:{}: {}{hint}", e.line, e.column, e.message)
        })?;
        self.add(&parsed.images).map_err(|e| format!("{file}: {e}"))
    }

    /// Adds `images` (repository → behaviour); errors name the field (`images.NAME.pull: …`).
    /// Nothing is added unless every image is valid.
    pub fn add(&mut self, images: &BTreeMap<String, ImageSpec>) -> Result<(), String> {
        let mut additions = Vec::new();
        for (name, spec) in images.clone() {
            let ms = |field: &str, text: &Option<String>| -> Result<Option<u64>, String> {
                text.as_deref()
                    .map(crate::engine::time::parse_duration_ms)
                    .transpose()
                    .map_err(|e| format!("images.{name}.{field}: {e}"))
            };
            let like = spec.like.as_deref().unwrap_or("kubesim/web");
            let mut b = self
                .images
                .get(&repository(like))
                .cloned()
                .ok_or_else(|| format!("images.{name}.like: no image {like:?} in the catalog"))?;
            b.pullable = spec.pullable.unwrap_or(b.pullable);
            b.pull_ms = ms("pull", &spec.pull)?.unwrap_or(b.pull_ms);
            b.size_bytes = spec.size_bytes.unwrap_or(b.size_bytes);
            b.start_ms = ms("start", &spec.start)?.unwrap_or(b.start_ms);
            b.ready_after_ms = ms("readyAfter", &spec.ready_after)?.unwrap_or(b.ready_after_ms);
            if let Some(after_ms) = ms("exitAfter", &spec.exit_after)? {
                b.lifetime = Lifetime::Exits { after_ms, code: spec.exit_code.unwrap_or(0) };
            }
            b.memory_mib = spec.memory_mib.unwrap_or(b.memory_mib);
            match spec.stop.as_deref() {
                Some("never") => b.stop_ms = None,
                Some(_) => b.stop_ms = ms("stop", &spec.stop)?,
                None => {}
            }
            b.http_port = spec.http_port.or(b.http_port);
            b.logs = spec.logs.map(Rc::from).unwrap_or(b.logs);
            additions.push((repository(&name), b));
        }
        self.images.extend(additions);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_files_add_images() {
        let mut c = ImageCatalog::default();
        c.load_file("images.yaml", "images:\n  myorg/api:\n    exitAfter: 20s\n    exitCode: 3\n    stop: never\n")
            .unwrap();
        let b = c.lookup("myorg/api:1.0").unwrap();
        assert_eq!(b.lifetime, Lifetime::Exits { after_ms: 20_000, code: 3 });
        assert_eq!(b.stop_ms, None);
        assert_eq!(b.http_port, Some(8080));
    }

    #[test]
    fn catalog_file_errors_name_the_place() {
        let mut c = ImageCatalog::default();
        let err = c.load_file("images.yaml", "images:\n  x:\n    pulll: 1s\n").unwrap_err();
        assert_eq!(err, "error parsing images.yaml:3:5: unknown field \"images.x.pulll\" (did you mean \"pull\"?)");
        let err = c.load_file("images.yaml", "images:\n  x:\n    pull: soon\n").unwrap_err();
        assert!(err.contains("images.x.pull"), "{err}");
        assert!(c.lookup("x").is_none(), "nothing added on error");
    }

    #[test]
    fn references_normalize_like_containerd() {
        assert_eq!(normalize("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(normalize("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(normalize("kubesim/web:1"), "docker.io/kubesim/web:1");
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(repository("docker.io/library/nginx:1.27"), "nginx");
    }

    #[test]
    fn lookups_honour_tags_and_unknown_images() {
        let c = ImageCatalog::default();
        assert!(c.lookup("nginx:1.27").is_some());
        assert!(c.lookup("nginx:does-not-exist").is_none());
        assert!(c.lookup("ngnix").is_none());
    }
}
