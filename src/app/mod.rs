//! Application services: the use cases the web layer, the CLI and tests call. They store first,
//! then tell the actors and the live hub (DESIGN.md "Layers").

pub mod simulated;
pub mod staff;
