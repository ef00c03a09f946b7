//! NodePorts on the host: like kube-proxy's old userspace mode, a listener per node and
//! port on a loopback address (`127.0.10.<node>:<nodePort>`; all of 127/8 binds on
//! Linux) forwarding each connection to one of the ready endpoints, in turn.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The listeners and their backends; update them with [`NodePorts::set`].
#[derive(Default)]
pub struct NodePorts {
    listeners: BTreeMap<SocketAddr, (JoinHandle<()>, Backends)>,
}

/// A listener's endpoints and the turn of the next connection.
type Backends = Arc<Mutex<(Vec<SocketAddr>, usize)>>;

impl NodePorts {
    /// Makes the listeners match `table` (listen address → ready endpoints): new ones
    /// start, gone ones stop (a crashed node's ports close), the others get the new
    /// endpoints. Must run inside a tokio runtime.
    pub fn set(&mut self, table: &BTreeMap<SocketAddr, Vec<SocketAddr>>) {
        self.listeners.retain(|address, (task, _)| {
            let keep = table.contains_key(address);
            if !keep {
                task.abort();
            }
            keep
        });
        for (address, endpoints) in table {
            match self.listeners.get(address) {
                Some((_, backends)) => {
                    if let Ok(mut b) = backends.lock()
                        && b.0 != *endpoints
                    {
                        b.0 = endpoints.clone();
                    }
                }
                None => {
                    let backends: Backends = Arc::new(Mutex::new((endpoints.clone(), 0)));
                    let task = tokio::spawn(serve(*address, backends.clone()));
                    self.listeners.insert(*address, (task, backends));
                }
            }
        }
    }

    /// The addresses listened on.
    pub fn addresses(&self) -> impl Iterator<Item = &SocketAddr> {
        self.listeners.keys()
    }
}

impl Drop for NodePorts {
    fn drop(&mut self) {
        for (task, _) in self.listeners.values() {
            task.abort();
        }
    }
}

async fn serve(address: SocketAddr, backends: Backends) {
    let listener = match TcpListener::bind(address).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("kubesim: cannot listen on {address} for a NodePort: {e}");
            return;
        }
    };
    while let Ok((mut client, _)) = listener.accept().await {
        let backend = backends.lock().ok().and_then(|mut b| {
            let (endpoints, turn) = &mut *b;
            let chosen = endpoints.get(*turn % endpoints.len().max(1)).copied();
            *turn = turn.wrapping_add(1);
            chosen
        });
        // No ready endpoint: the connection is closed, as kube-proxy rejects it.
        let Some(backend) = backend else { continue };
        tokio::spawn(async move {
            if let Ok(mut server) = TcpStream::connect(backend).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
    }
}
