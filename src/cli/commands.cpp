#include "cli/commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "spec/parse.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::cli {

namespace {

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Go's text/tabwriter as runc sets it up for `list`: min width 12, padding 3, spaces.
std::string tabulate(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows)
        for (size_t i = 0; i + 1 < row.size(); ++i) {
            if (width.size() <= i) width.resize(i + 1, 0);
            width[i] = std::max({width[i], row[i].size() + 3, size_t{12}});
        }
    std::string out;
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out.append(width[i] - row[i].size(), ' ');
        }
        out += '\n';
    }
    return out;
}

}  // namespace

int cmd_spec(const std::string& bundle, bool rootless) {
    std::string path = bundle + "/config.json";
    if (::access(path.c_str(), F_OK) == 0) return report_error(Error::msg("File " + path + " exists. Remove it first"));
    auto st = sys::write_file(path, spec::default_config_json(rootless, ::getuid(), ::getgid()),
                              O_WRONLY | O_CREAT | O_EXCL, 0666);
    return st ? 0 : report_error(st.error());
}

int cmd_create(const container::StateStore& store, const container::CreateOptions& opts) {
    auto launched = container::create(store, opts);
    return launched ? 0 : report_error(launched.error());
}

int cmd_start(const container::StateStore& store, const std::string& id) {
    auto st = container::start(store, id);
    return st ? 0 : report_error(st.error());
}

int cmd_state(const container::StateStore& store, const std::string& id) {
    auto snap = container::inspect(store, id);
    if (!snap) return report_error(snap.error());
    print(container::state_json(snap->state, snap->status, true) + "\n");
    return 0;
}

int cmd_kill(const container::StateStore& store, const std::string& id, const std::string& signal, bool all) {
    auto sig = sys::parse_signal(signal);
    if (!sig) {
        // An unknown container first, as runc looks it up before the signal.
        if (auto known = store.load(id); !known) return report_error(known.error());
        return report_error(Error::msg("unknown signal \"" + signal + "\""));
    }
    auto st = container::kill(store, id, *sig, all);
    return st ? 0 : report_error(st.error());
}

int cmd_delete(const container::StateStore& store, const std::string& id, bool force) {
    auto st = container::remove(store, id, force);
    return st ? 0 : report_error(st.error());
}

int cmd_list(const container::StateStore& store, const std::string& format, bool quiet) {
    auto snaps = container::list(store);
    if (!snaps) return report_error(snaps.error());
    if (quiet) {
        for (const auto& s : *snaps) print(s.state.id + "\n");
        return 0;
    }
    if (format == "json") {
        auto arr = nlohmann::ordered_json::array();
        for (const auto& s : *snaps)
            arr.push_back(nlohmann::ordered_json::parse(container::state_json(s.state, s.status, false)));
        // runc prints null for no containers (a nil Go slice); match it.
        print((arr.empty() ? std::string("null") : arr.dump()) + "\n");
        return 0;
    }
    std::vector<std::vector<std::string>> rows{{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& s : *snaps) {
        pid_t pid = s.status == container::ContainerStatus::stopped ? 0 : s.state.pid;
        rows.push_back({s.state.id, std::to_string(pid), container::to_string(s.status), s.state.bundle,
                        s.state.created, s.state.owner});
    }
    print(tabulate(rows));
    return 0;
}

}  // namespace rong::cli
