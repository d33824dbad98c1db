// Small timing helpers shared by the benchmark programs.
#pragma once

#include <chrono>
#include <cstdio>

namespace bench {

// Runs `body` repeatedly until at least `min_seconds` have passed; returns iterations per second.
template <typename Body>
double RatePerSecond(Body&& body, double min_seconds = 1.0) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  long iterations = 0;
  double elapsed = 0;
  do {
    body();
    ++iterations;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  return iterations / elapsed;
}

}  // namespace bench
