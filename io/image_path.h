// Image names as index files and users write them: with an extension (.jpg, .jpeg, .png in any case, as
// DeepFashion's pair lists do) or without. One resolver for the dataset loader, dpt-infer and dpt-eval.
#pragma once
#include <string>
#include <vector>

namespace dpt {

// Whether name ends in .jpg, .jpeg or .png, in any case ("a.JPG" too).
bool has_image_extension(const std::string& name);
// name without that extension ("a.JPG" -> "a"); other names are returned unchanged ("a.b" -> "a.b").
std::string image_stem(const std::string& name);
// The file names to try for name, in order: name as written, then its stem with .jpg, .jpeg, .png and
// their upper-case forms (.JPG, .JPEG, .PNG).
std::vector<std::string> image_name_candidates(const std::string& name);
// dir/<first candidate that is a regular file>, or "" when none is. dir may end in '/' or not.
std::string find_image(const std::string& dir, const std::string& name);

}  // namespace dpt
