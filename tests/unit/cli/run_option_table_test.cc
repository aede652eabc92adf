// The run option table is the one declaration of every option: the CLI's flags,
// a task's JSON and the OpenAPI document must each show exactly what it says.
#include "job/run_option_table.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <set>

#include "cli/sync_command.h"
#include "service/openapi_document.h"
#include "service/task_json.h"

namespace ferry {
namespace {

using nlohmann::json;

// Sets every option of `scope` to a value that is not its default.
job::SyncSpec EveryOptionChanged(unsigned scope) {
  job::SyncSpec spec;
  const job::SyncSpec defaults;
  for (const auto& decl : job::RunOptionTable()) {
    if (!(decl.scope & scope)) continue;
    std::visit(
        [&](auto member) {
          using T = std::decay_t<decltype(spec.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            spec.*member = !(defaults.*member);
          } else if constexpr (std::is_same_v<T, int>) {
            spec.*member = decl.max;
          } else if constexpr (std::is_same_v<T, std::string>) {
            spec.*member = decl.choices.empty() ? "7M" : decl.choices.back();
          } else {
            spec.*member = {"a/", "b/"};
          }
        },
        decl.field);
  }
  spec.filters = {{false, "*.tmp"}, {true, "*"}};
  return spec;
}

std::set<std::string> NamesIn(unsigned scope) {
  std::set<std::string> names = {"filters"};
  for (const auto& decl : job::RunOptionTable()) {
    if (decl.scope & scope) names.insert(decl.name);
  }
  return names;
}

// Each option's value as JSON, to compare two specs option by option.
json OptionValues(const job::SyncSpec& spec) {
  json out = json::object();
  for (const auto& decl : job::RunOptionTable()) {
    out[decl.name] = std::visit([&](auto member) { return json(spec.*member); }, decl.field);
  }
  return out;
}

TEST(RunOptionTable, ATaskJsonCarriesEveryTaskOptionAndReadsItBack) {
  service::TaskSpec task;
  task.sync = EveryOptionChanged(job::kInTask);
  task.sync.source = "s3://a";
  task.sync.destination = "s3://b";
  const json j = service::TaskSpecToJson(task);
  std::set<std::string> written;
  for (const auto& [key, value] : j.at("options").items()) written.insert(key);
  EXPECT_EQ(written, NamesIn(job::kInTask));

  auto back = service::TaskSpecFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(OptionValues(back->sync), OptionValues(task.sync));
  EXPECT_EQ(back->sync.filters, task.sync.filters);
}

TEST(RunOptionTable, AWorkItemCarriesOnlyWhatAWorkerMayNotChoose) {
  const job::SyncSpec spec = EveryOptionChanged(job::kInWorkItem);
  const json j = job::OptionsToJson(spec, job::kInWorkItem);
  std::set<std::string> written;
  for (const auto& [key, value] : j.items()) written.insert(key);
  EXPECT_EQ(written, NamesIn(job::kInWorkItem));
  EXPECT_FALSE(written.contains("transfers"));  // each worker's own bound
  EXPECT_FALSE(written.contains("memory"));
  job::SyncSpec back;
  ASSERT_TRUE(job::OptionsFromJson(j, "options", job::kInWorkItem, back).ok());
  EXPECT_EQ(OptionValues(back), OptionValues(spec));
}

TEST(RunOptionTable, TaskJsonRefusesWhatTheTableRefuses) {
  auto refused = [](json options) {
    job::SyncSpec spec;
    return job::OptionsFromJson(options, "options", job::kInTask, spec);
  };
  EXPECT_NE(refused({{"transfers", 0}}).ToString().find("options.transfers must be an integer "
                                                         "1..1024"),
            std::string::npos);
  EXPECT_NE(refused({{"sse", "rot13"}}).ToString().find("one of AES256, aws:kms"),
            std::string::npos);
  EXPECT_TRUE(refused({{"sse", ""}}).ok());  // "" is its default: none
  EXPECT_FALSE(refused({{"compare", ""}}).ok());
  EXPECT_NE(refused({{"transfer", 8}}).ToString().find("unknown field 'options.transfer'"),
            std::string::npos);
  EXPECT_FALSE(refused({{"delete", "yes"}}).ok());
  EXPECT_FALSE(refused({{"prefixes", {1, 2}}}).ok());
  EXPECT_FALSE(refused({{"filters", {{{"keep", "*"}}}}}).ok());
}

TEST(RunOptionTable, TheCliHasAFlagForEachCliOptionWithTheTablesHelp) {
  for (const char* name : {"sync", "copy", "check"}) {
    CLI::App app;
    cli::SyncFlags flags;
    CLI::App* cmd = cli::AddSyncCommand(app, name, flags);
    for (const auto& decl : job::RunOptionTable()) {
      const CLI::Option* opt = cmd->get_option_no_throw(decl.Flag());
      const bool expected = (decl.scope & job::kInCli) &&
                            (!(decl.scope & job::kSyncOnly) || std::string(name) == "sync");
      EXPECT_EQ(opt != nullptr, expected) << name << " " << decl.Flag();
      if (opt != nullptr) {
        EXPECT_TRUE(opt->get_description().starts_with(decl.help)) << decl.Flag();
      }
    }
  }
}

TEST(RunOptionTable, CliFlagsParseIntoTheSpecAndChecksComeFromTheTable) {
  CLI::App app;
  cli::SyncFlags flags;
  cli::AddSyncCommand(app, "sync", flags);
  app.parse("sync src dst --transfers 8 --tags --compare size --memory 64M", false);
  EXPECT_EQ(flags.spec.transfers, 8);
  EXPECT_TRUE(flags.spec.copy_tags);
  EXPECT_EQ(flags.spec.compare, "size");
  EXPECT_EQ(flags.spec.memory, "64M");
  CLI::App bad;
  cli::SyncFlags bad_flags;
  cli::AddSyncCommand(bad, "sync", bad_flags);
  EXPECT_THROW(bad.parse("sync src dst --transfers 2000", false), CLI::ValidationError);
}

TEST(RunOptionTable, TheOpenApiDocumentHoldsTheTablesSchemaOnce) {
  const json doc = json::parse(service::OpenApiDocument());
  const json& schemas = doc.at("components").at("schemas");
  const json expected = job::OptionsSchema(job::kInTask);
  EXPECT_EQ(schemas.at("RunOptions"), expected)
      << "src/service/openapi.json's RunOptions must be:\n" << expected.dump(1);
  const json ref = {{"$ref", "#/components/schemas/RunOptions"}};
  EXPECT_EQ(schemas.at("TaskSpec").at("properties").at("options"), ref);
  EXPECT_EQ(schemas.at("Task").at("allOf").at(0).at("properties").at("options"), ref);
}

}  // namespace
}  // namespace ferry
