// Letterbox build: `dotnet tool restore && dotnet cake --target=<Target>`.
// Targets: Deps, Build, Publish (the AOT binary), Test, Dev, Bench, Image.Qemu, Image.Test,
// Image.VirtualBox, Image.Ami, Image.Validate. Each prints what it produced and where.
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory(".")).FullPath;
var publishDir = $"{root}/artifacts/publish";
var binary = $"{publishDir}/letterbox";

// Debian packages the build and the tests need. Tests use real peers (curl, python3 clients,
// swaks, dig...) and fail, never skip, when one is missing, so this list is the contract.
var buildPackages = new[] { "clang", "zlib1g-dev", "libsqlite3-dev", "libargon2-dev" };
var testPackages = new[] { "curl", "openssl", "argon2", "apache2-utils", "isync", "python3", "python3-prometheus-client", "swaks", "dnsutils", "socat", "procps", "pebble", "nsd", "knot-dnsutils", "dnsperf", "python3-dkim", "python3-nacl", "python3-aiosmtpd", "python3-dnspython", "bind9-dnsutils", "ldnsutils" };

void Run(string exe, string args, IDictionary<string, string> env = null)
{
    Information($"$ {exe} {args}");
    var settings = new ProcessSettings { Arguments = args, WorkingDirectory = root };
    if (env != null)
        settings.EnvironmentVariables = env;
    var code = StartProcess(exe, settings);
    if (code != 0)
        throw new Exception($"{exe} exited with {code}");
}

bool IsInstalled(string package)
{
    var settings = new ProcessSettings { Arguments = $"-W -f=${{Status}} {package}", RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = StartAndReturnProcess("dpkg-query", settings);
    p.WaitForExit();
    return p.GetExitCode() == 0 && string.Join("", p.GetStandardOutput()).Contains("install ok installed");
}

void EnsurePackages(IEnumerable<string> packages)
{
    var missing = packages.Where(p => !IsInstalled(p)).ToList();
    if (missing.Count == 0)
        return;
    var line = "apt-get install -y " + string.Join(" ", missing);
    if (Environment.UserName != "root" && EnvironmentVariable("USER") != "root")
        throw new Exception($"missing Debian packages; as root, run:\n  apt-get update && {line}");
    Run("apt-get", "update -qq");
    Run("apt-get", "install -y -qq --no-install-recommends " + string.Join(" ", missing), new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
}

Task("Deps")
    .Does(() => EnsurePackages(buildPackages));

Task("Build")
    .IsDependentOn("Deps")
    .Does(() => Run("dotnet", $"build Letterbox.slnx -c {configuration}"));

Task("Publish")
    .Description("The one native AOT binary; trim and AOT warnings are errors.")
    .IsDependentOn("Deps")
    .Does(() =>
{
    Run("dotnet", $"publish src/Letterbox/Letterbox.csproj -c {configuration} -o {publishDir}");
    var size = new FileInfo(binary).Length;
    Information($"published {binary}: {size / 1024.0 / 1024.0:0.0} MiB");
});

int passed = 0, failed = 0, skipped = 0;

Task("Test.Unit")
    .Description("Every test project against the published binary.")
    .IsDependentOn("Publish")
    .Does(() =>
{
    EnsurePackages(testPackages);
    var results = $"{root}/artifacts/test-results";
    CleanDirectory(results);
    var env = new Dictionary<string, string> { ["LETTERBOX_BIN"] = binary };
    var failedProjects = new List<string>();
    foreach (var project in GetFiles("tests/*/*.Tests.csproj").OrderBy(p => p.FullPath))
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        try
        {
            Run("dotnet", $"test {project.FullPath} -c {configuration} --logger \"trx;LogFileName={name}.trx\" --logger \"console;verbosity=normal\" --results-directory {results}", env);
        }
        catch (Exception)
        {
            failedProjects.Add(name);
        }
    }
    foreach (var trx in GetFiles($"{results}/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (int)counters.Attribute("passed");
        failed += (int)counters.Attribute("failed") + (int)counters.Attribute("error") + (int)counters.Attribute("timeout");
        skipped += (int)counters.Attribute("notExecuted");
    }
    Information($"test projects: {passed} passed, {failed} failed, {skipped} skipped");
    if (failedProjects.Count > 0 || failed > 0 || passed == 0)
    {
        Console.WriteLine($"tests: {passed} passed, {failed} failed, {skipped} skipped");
        throw new Exception($"tests failed: {string.Join(", ", failedProjects)}");
    }
});

Task("Test")
    .Description("Test.Unit, then the appliance: packer/vagrant validate and the qemu image end to end.")
    .IsDependentOn("Test.Unit")
    .IsDependentOn("Image.Validate")
    .IsDependentOn("Image.Test")
    .Does(() =>
{
    passed += 2; // Image.Validate and Image.Test, each one test that either passed or stopped the run
    // Plain, uncoloured, alone on the last line: CI reads this closing line.
    Console.WriteLine($"tests: {passed} passed, {failed} failed, {skipped} skipped");
});

Task("Dev")
    .Description("Publish, then run `letterbox dev` in the foreground (Ctrl-C stops it).")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var extra = Argument("dev-args", "");
    Run(binary, $"dev {extra}");
});

Task("Bench")
    .Description("bench/run.sh: start-up time, idle RSS and binary size; figures go to docs/bench.md by hand.")
    .IsDependentOn("Publish")
    .Does(() => Run("bash", $"bench/run.sh {binary}"));

Task("Image.Qemu")
    .Description("Builds the local qemu appliance image (appliance/build-image.sh): raw, qcow2, raw.zst.")
    .IsDependentOn("Publish")
    .Does(() => Run("bash", $"appliance/build-image.sh {root}/artifacts/image {binary}"));

Task("Image.Test")
    .Description("Builds (or reuses) the qemu image and runs the end-to-end test (tests/image/e2e.sh) as an EC2 instance.")
    .IsDependentOn("Publish")
    .Does(() => Run("bash", $"tests/image/e2e.sh --image-dir {root}/artifacts/image {binary}"));

Task("Image.Validate")
    .Description("packer validate for the amazon-ebs, virtualbox and qemu builders, and vagrant validate.")
    .IsDependentOn("Publish")
    .Does(() => Run("bash", $"packer/build.sh validate {binary}"));

Task("Image.VirtualBox")
    .Description("The Vagrant box: with VirtualBox present, packer's virtualbox build; without, the box is assembled from the raw image.")
    .IsDependentOn("Publish")
    .Does(() =>
{
    if (StartProcess("sh", new ProcessSettings { Arguments = "-c \"command -v VBoxManage\"" }) == 0)
        Run("bash", $"packer/build.sh virtualbox {binary}");
    else
    {
        Information("VirtualBox is not installed: assembling the box from the raw image instead of a packer virtualbox build");
        Run("bash", $"appliance/build-image.sh --vagrant {root}/artifacts/image-vagrant {binary}");
    }
});

Task("Image.Ami")
    .Description("packer build of the AMI; needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
    .IsDependentOn("Publish")
    .Does(() =>
{
    if (string.IsNullOrEmpty(EnvironmentVariable("AWS_ACCESS_KEY_ID")) || string.IsNullOrEmpty(EnvironmentVariable("AWS_SECRET_ACCESS_KEY")))
        throw new Exception("Image.Ami needs AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and LETTERBOX_AWS_REGION)");
    Run("bash", $"packer/build.sh aws {binary}");
});

RunTarget(target);
