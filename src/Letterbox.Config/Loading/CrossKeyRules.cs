namespace Letterbox.Config;

/// <summary>
/// Rules that involve more than one key. A rule is skipped when a key it depends on is invalid
/// (that is already an error), and "required when" never fires for a key that was set but wrong.
/// </summary>
internal static class CrossKeyRules
{
    public static void Check(ConfigValues v, List<ConfigDiagnostic> errors, List<ConfigDiagnostic> warnings)
    {
        CheckHostnameIsNotADomain(v, errors);
        CheckTlsFiles(v, errors, warnings);
        CheckRelay(v, errors);
        CheckBackup(v, errors);
    }

    // The host needs a name of its own: the MX target, the certificate name and the SMTP greeting
    // must not be the bare domain, or the domain's apex records and the host's collide.
    private static void CheckHostnameIsNotADomain(ConfigValues v, List<ConfigDiagnostic> errors)
    {
        var hostKey = ConfigSchema.Host.Hostname;
        if (!v.TryGet(hostKey, out var hostname) || !v.TryGet(ConfigSchema.Host.Domains, out var domains))
        {
            return;
        }
        foreach (var domain in domains.Where(d => d == hostname))
        {
            errors.Add(ConfigDiagnostic.Error(hostKey.Name, v.OriginOf(hostKey)?.ToString(),
                $"hostname {hostname} is also a mail domain; the mail host needs a name of its own inside the domain, such as mail.{domain}"));
        }
    }

    private static void CheckTlsFiles(ConfigValues v, List<ConfigDiagnostic> errors, List<ConfigDiagnostic> warnings)
    {
        if (!v.TryGet(ConfigSchema.Tls.Mode, out var mode))
        {
            return;
        }
        var modeOrigin = v.OriginOf(ConfigSchema.Tls.Mode)?.ToString();
        foreach (var key in new[] { ConfigSchema.Tls.CertFile, ConfigSchema.Tls.KeyFile })
        {
            if (mode == "files" && !v.IsSet(key))
            {
                errors.Add(ConfigDiagnostic.Error(key.Name, modeOrigin, "required when tls.mode = files"));
            }
            else if (mode != "files" && v.Has(key))
            {
                warnings.Add(ConfigDiagnostic.Warning(key.Name, v.OriginOf(key)?.ToString(), $"ignored because tls.mode = {mode}"));
            }
        }
    }

    private static void CheckRelay(ConfigValues v, List<ConfigDiagnostic> errors)
    {
        var user = ConfigSchema.Relay.Username;
        var password = ConfigSchema.Relay.PasswordFile;
        if (v.IsSet(user) && !v.IsSet(password))
        {
            errors.Add(ConfigDiagnostic.Error(password.Name, v.OriginOf(user)?.ToString(), "required when relay.username is set"));
        }
        if (v.IsSet(password) && !v.IsSet(user))
        {
            errors.Add(ConfigDiagnostic.Error(user.Name, v.OriginOf(password)?.ToString(), "required when relay.password_file is set"));
        }
        var credential = v.IsSet(user) ? user : v.IsSet(password) ? password : null;
        if (credential is not null && !v.IsSet(ConfigSchema.Relay.Host))
        {
            errors.Add(ConfigDiagnostic.Error(ConfigSchema.Relay.Host.Name, v.OriginOf(credential)?.ToString(),
                $"required when {credential.Name} is set (the credentials are for a smarthost)"));
        }
    }

    private static void CheckBackup(ConfigValues v, List<ConfigDiagnostic> errors)
    {
        if (!v.TryGet(ConfigSchema.Backup.Enabled, out var enabled) || !enabled)
        {
            return;
        }
        var origin = v.OriginOf(ConfigSchema.Backup.Enabled)?.ToString();
        foreach (var key in new[] { ConfigSchema.Backup.Target, ConfigSchema.Backup.KeyFile }.Where(k => !v.IsSet(k)))
        {
            errors.Add(ConfigDiagnostic.Error(key.Name, origin, "required when backup.enabled = true"));
        }
    }
}
