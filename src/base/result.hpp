// Result<T>: the one error type that flows up through rong, and the value-or-error wrapper that
// carries it. Nothing below the CLI prints or exits; every failure becomes an Error with a message
// that already names the operation and the path ("mount proc on /x/proc: Operation not permitted").
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace rong {

struct Error {
    std::string message;
    int errnum = 0;  // errno of the failing syscall, 0 when the error is not a syscall's

    // "op path: strerror(errno)", the shape runc and crun use.
    static Error sys(std::string op, int err = errno) {
        return Error{std::move(op) + ": " + std::strerror(err), err};
    }
    static Error msg(std::string text) { return Error{std::move(text), 0}; }

    // Prefixes what the caller was doing: "create container: " + message.
    Error&& wrap(const std::string& context) && {
        message = context + ": " + message;
        return std::move(*this);
    }
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    explicit operator bool() const { return v_.index() == 0; }
    T& operator*() & { return std::get<0>(v_); }
    T&& operator*() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T value_or(T fallback) const& { return v_.index() == 0 ? std::get<0>(v_) : std::move(fallback); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : e_(std::move(error)) {}

    explicit operator bool() const { return !e_; }
    const Error& error() const& { return *e_; }
    Error&& error() && { return std::move(*e_); }

private:
    std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace rong

// TRY(expr): evaluates a Result; on error returns the error from the enclosing function, otherwise
// yields the value (for Result<void>, nothing). A GNU statement expression, supported by g++ and clang.
#define TRY(expr)                                              \
    ({                                                         \
        auto _rong_r = (expr);                                 \
        if (!_rong_r) return std::move(_rong_r).error();       \
        ::rong::detail::take(std::move(_rong_r));              \
    })

namespace rong::detail {
template <typename T>
T take(Result<T>&& r) { return std::move(*r); }
inline void take(Result<void>&&) {}
}  // namespace rong::detail
