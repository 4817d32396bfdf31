// base/result.hpp: Error, Result<T>, Status and TRY's early return.
#include <cerrno>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/result.hpp"

namespace rong {
namespace {

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return Error::msg(std::string("not a digit: ") + c);
    return c - '0';
}

Status check_even(int n) {
    if (n % 2) return Error{"odd: " + std::to_string(n), EINVAL};
    return {};
}

int steps = 0;

// Two digits, the second even: each TRY either yields its value or returns the error at once.
Result<int> two_digits(const std::string& s) {
    steps = 0;
    int tens = TRY(parse_digit(s[0]));
    ++steps;
    int ones = TRY(parse_digit(s[1]));
    ++steps;
    TRY(check_even(ones));
    ++steps;
    return tens * 10 + ones;
}

Status wrapped(const std::string& s) {
    auto r = two_digits(s);
    if (!r) return std::move(r).error().wrap("parse " + s);
    return {};
}

TEST(Try, YieldsValuesAndPropagatesTheFirstError) {
    auto ok = two_digits("42");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 42);
    EXPECT_EQ(steps, 3);

    auto first = two_digits("x2");
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().message, "not a digit: x");
    EXPECT_EQ(steps, 0);

    auto second = two_digits("4y");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, "not a digit: y");
    EXPECT_EQ(steps, 1);

    auto status = two_digits("43");
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message, "odd: 3");
    EXPECT_EQ(status.error().errnum, EINVAL);
    EXPECT_EQ(steps, 2);
}

Result<std::unique_ptr<int>> make_box(int v) { return std::make_unique<int>(v); }
Result<int> unbox(int v) {
    std::unique_ptr<int> box = TRY(make_box(v));  // move-only values pass through TRY
    return *box + 1;
}

TEST(Try, MoveOnlyValues) { EXPECT_EQ(*unbox(1), 2); }

TEST(Error, SysFormatsOpAndStrerror) {
    Error e = Error::sys("open /x/y", ENOENT);
    EXPECT_EQ(e.message, "open /x/y: No such file or directory");
    EXPECT_EQ(e.errnum, ENOENT);
    errno = EACCES;
    Error from_errno = Error::sys("mount proc on /x/proc");
    EXPECT_EQ(from_errno.message, "mount proc on /x/proc: Permission denied");
    EXPECT_EQ(from_errno.errnum, EACCES);
    EXPECT_EQ(Error::msg("plain").errnum, 0);
    EXPECT_EQ(Error::msg("plain").message, "plain");
}

TEST(Error, WrapPrefixesAndKeepsErrnum) {
    Error e = Error::sys("mkdir /run/rong", EEXIST).wrap("create container");
    EXPECT_EQ(e.message, "create container: mkdir /run/rong: File exists");
    EXPECT_EQ(e.errnum, EEXIST);
    auto st = wrapped("43");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "parse 43: odd: 3");
    EXPECT_EQ(st.error().errnum, EINVAL);
    EXPECT_TRUE(wrapped("42"));
}

TEST(Result, ValueAccessAndMoveOut) {
    Result<std::string> r = std::string("hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size(), 5u);
    r->append("!");
    std::string moved = *std::move(r);
    EXPECT_EQ(moved, "hello!");

    Result<std::string> bad = Error::msg("nope");
    EXPECT_FALSE(bad);
    Error taken = std::move(bad).error();
    EXPECT_EQ(taken.message, "nope");

    Status fine;
    EXPECT_TRUE(fine);
    Status failed = Error::msg("x");
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.error().message, "x");
}

}  // namespace
}  // namespace rong
