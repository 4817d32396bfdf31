#include "spec/json_reader.hpp"

#include <algorithm>

namespace rong::spec::detail {

namespace {

const json null_value;

bool is_identifier(std::string_view key) {
    auto word = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return !key.empty() && word(key[0]) &&
           std::all_of(key.begin(), key.end(), [&](char c) { return word(c) || digit(c); });
}

}  // namespace

Reader Reader::at(std::string_view key) const {
    // jq's syntax: .name for identifiers, ["net.ipv4.ip_forward"] for anything else.
    std::string path = is_identifier(key) ? path_ + "." + std::string(key) : path_ + "[" + quote(key) + "]";
    if (!value_->is_object()) return Reader(null_value, origin_, std::move(path));
    auto it = value_->find(key);
    return Reader(it == value_->end() ? null_value : *it, origin_, std::move(path));
}

Reader Reader::at(std::size_t index) const {
    std::string path = path_ + "[" + std::to_string(index) + "]";
    if (!value_->is_array() || index >= value_->size()) return Reader(null_value, origin_, std::move(path));
    return Reader((*value_)[index], origin_, std::move(path));
}

Error Reader::error(std::string_view what) const {
    std::string message(origin_);
    if (!path_.empty()) message += ": " + path_;
    message += ": ";
    message += what;
    return Error::msg(std::move(message));
}

Status Reader::expect_object() const {
    if (!value_->is_object()) return error("expected an object");
    return {};
}

Status read(const Reader& r, std::string& out) {
    if (!r.value().is_string()) return r.error("expected a string");
    out = r.value().get<std::string>();
    return {};
}

Status read(const Reader& r, bool& out) {
    if (!r.value().is_boolean()) return r.error("expected a boolean");
    out = r.value().get<bool>();
    return {};
}

std::string quote(std::string_view text) {
    return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

Status expect_absolute(const Reader& r, const std::string& path) {
    if (!path.starts_with('/')) return r.error(quote(path) + " is not an absolute path");
    return {};
}

Status expect_one_of(const Reader& r, const std::string& value, std::span<const std::string_view> allowed,
                     std::string_view what) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
        return r.error("unknown " + std::string(what) + " " + quote(value));
    return {};
}

Result<json> parse_json(std::string_view text, std::string_view origin) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: <what>";
        // keep what follows "parse error", which is where and why.
        std::string_view what = e.what();
        constexpr std::string_view marker = "parse error";
        if (auto at = what.find(marker); at != std::string_view::npos) what.remove_prefix(at + marker.size());
        return Error::msg(std::string(origin) + ": malformed JSON" + std::string(what));
    } catch (const json::exception& e) {
        return Error::msg(std::string(origin) + ": malformed JSON: " + e.what());
    }
}

}  // namespace rong::spec::detail
