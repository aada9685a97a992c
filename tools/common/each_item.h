// A tool's loop over named items (image pairs, files): one progress line, and an error that names the
// item it stopped at, so a batch of thousands says which one failed.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace dpt::cli {

// Calls job(i) for i = 0..names.size()-1 under a progress line labelled `label`. An Error from job(i)
// ends the line and becomes "<noun> i+1 of n (<names[i]>): <message>".
void for_each_item(const std::string& label, const std::string& noun, const std::vector<std::string>& names,
                   const std::function<void(size_t)>& job);

}  // namespace dpt::cli
