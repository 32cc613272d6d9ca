//! Development tools, for demos, tests and benchmarks: the Graph API simulator
//! (`instalytics graph-sim`), the data generator (`instalytics generate`), the demo
//! (`instalytics demo`) and a stand-in for Google's token endpoint.
//!
//! Production code never imports them: only the command line (`cli.rs`) starts them, and
//! tests and benchmarks use them from outside. They build on production code (the store, the
//! Graph API client's parsers, the sync job), never the other way round.

pub mod demo;
pub mod generate;
pub mod graph_sim;
pub mod token_sim;
