//! The scheduler driven by a fake clock: made-up instants, no sleeps, no threads.
