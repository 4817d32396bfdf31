// `run`: create + start, then (in the foreground) forward signals to the container, proxy its
// terminal, reap it and delete it, exiting with its status.
#include <optional>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/supervise.hpp"
#include "sys/process.hpp"

namespace rong::cli {

int cmd_run(const container::StateStore& store, const RunOptions& opts) {
    std::optional<ForwardedSignals> signals;
    if (!opts.detach) signals.emplace();
    container::CreateOptions create = opts.create;
    create.start_here = true;
    // In the foreground with a terminal, rong is its own console socket's receiver.
    create.own_console = !opts.detach;
    auto launched = container::create(store, create);
    if (!launched) return report_error(launched.error());
    sys::Fd master = std::move(launched->console_master);

    if (auto st = container::start(*launched); !st) {
        int code = report_error(st.error());
        (void)container::abandon(store, *launched);
        return code;
    }
    if (opts.detach) return 0;

    auto status = signals->supervise(launched->state.pid, master.get());
    if (!status) return report_error(status.error());
    if (!opts.keep) {
        if (auto st = container::remove(store, *launched); !st) report_error(st.error());
    }
    return sys::exit_code_of(*status);
}

}  // namespace rong::cli
