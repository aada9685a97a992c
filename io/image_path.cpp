// Image-name resolution (see image_path.h).
#include "io/image_path.h"

#include "io/file_io.h"

namespace dpt {

namespace {
const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"};
}  // namespace

bool has_image_extension(const std::string& name) {
  const std::string ext = file_extension(name);  // lower case
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

std::string image_stem(const std::string& name) {
  return has_image_extension(name) ? name.substr(0, name.size() - file_extension(name).size()) : name;
}

std::vector<std::string> image_name_candidates(const std::string& name) {
  std::vector<std::string> out{name};
  const std::string stem = image_stem(name);
  for (const char* ext : kExtensions)
    if (stem + ext != name) out.push_back(stem + ext);
  return out;
}

std::string find_image(const std::string& dir, const std::string& name) {
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  for (const std::string& candidate : image_name_candidates(name))
    if (file_exists(prefix + candidate)) return prefix + candidate;
  return "";
}

}  // namespace dpt
