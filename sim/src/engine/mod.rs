//! The deterministic machinery under every component: simulated time, the event queue,
//! named random streams and the trace.

pub mod hash;
pub mod lookup;
pub mod queue;
pub mod rng;
pub mod time;
pub mod trace;

pub use queue::EventQueue;
pub use rng::SimRng;
pub use time::SimTime;
pub use trace::{Trace, TraceEvent};
