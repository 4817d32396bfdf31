// Named points on the setup path of create/start/delete/run. One call marks the end of a phase
// and does two jobs:
//  - trace (issue 7): with --debug, the time since the previous point is logged at debug level
//    ("phase clone: 0.412 ms"), so a slow phase is seen, not guessed. Off, a point costs a
//    branch: the clock is not read.
//  - fault injection (issue 8): in a build with RONG_FAULT_INJECTION (the rong-faults binary,
//    never the release one), RONG_FAULT=<point> kills rong at that point, as a crash would, so
//    tests can check what a killed runtime leaves behind.
// The init is a clone of `create`: it inherits the clock and the fault setting, so its points
// (init-*) continue the trace of the parent's.
#pragma once

namespace rong::phase {

// Starts the clock; the CLI calls it when --debug is given.
void enable_trace();

// The phase `name` (a string literal) has just finished.
void reached(const char* name);

}  // namespace rong::phase
