using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccountService.Data.Migrations
{
    /// <summary>
    /// Every committed change to what caller resolution caches raises a NOTIFY on <c>account_changes</c>, from
    /// triggers, so changes made by plain SQL are seen as well as the service's own. Payloads carry ids only:
    /// <c>k:&lt;key id&gt;</c>, <c>a:&lt;account id&gt;</c>, <c>s:&lt;account id&gt;</c> (the account's apps and seats),
    /// <c>*</c> after a TRUNCATE. <c>last_used_at</c> alone changing raises nothing.
    /// </summary>
    public partial class NotifyCallerChanges : Migration
    {
        private static readonly string[] Tables = ["accounts", "api_keys", "apps", "app_subscriptions"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        PERFORM pg_notify('account_changes', 'a:' || OLD.id);
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        PERFORM pg_notify('account_changes', 'a:' || NEW.id);
                        PERFORM pg_notify('account_changes', 's:' || NEW.id);
                    END IF;
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        PERFORM pg_notify('account_changes', 's:' || OLD.id);
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        PERFORM pg_notify('account_changes', 'k:' || OLD.key_id);
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        PERFORM pg_notify('account_changes', 'k:' || NEW.key_id);
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION notify_app_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        PERFORM pg_notify('account_changes', 's:' || OLD.account_id);
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        PERFORM pg_notify('account_changes', 's:' || NEW.account_id);
                    END IF;
                    RETURN NULL;
                END $$;

                -- A seat's account is its app's; when the app is being deleted with it, the app's trigger has told.
                CREATE FUNCTION notify_app_subscription_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    owner text;
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        SELECT account_id INTO owner FROM apps WHERE id = OLD.app_id;
                        IF owner IS NOT NULL THEN
                            PERFORM pg_notify('account_changes', 's:' || owner);
                        END IF;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        SELECT account_id INTO owner FROM apps WHERE id = NEW.app_id;
                        IF owner IS NOT NULL THEN
                            PERFORM pg_notify('account_changes', 's:' || owner);
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION notify_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('account_changes', '*');
                    RETURN NULL;
                END $$;

                CREATE TRIGGER accounts_notify AFTER INSERT OR UPDATE OR DELETE ON accounts
                    FOR EACH ROW EXECUTE FUNCTION notify_account_change();

                -- last_used_at is written all day and resolves no caller: only the columns that do raise a notification.
                CREATE TRIGGER api_keys_notify AFTER INSERT OR DELETE ON api_keys
                    FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();
                CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys
                    FOR EACH ROW
                    WHEN (OLD.key_id IS DISTINCT FROM NEW.key_id
                        OR OLD.account_id IS DISTINCT FROM NEW.account_id
                        OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
                        OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
                    EXECUTE FUNCTION notify_api_key_change();

                CREATE TRIGGER apps_notify AFTER INSERT OR UPDATE OR DELETE ON apps
                    FOR EACH ROW EXECUTE FUNCTION notify_app_change();

                CREATE TRIGGER app_subscriptions_notify AFTER INSERT OR UPDATE OR DELETE ON app_subscriptions
                    FOR EACH ROW EXECUTE FUNCTION notify_app_subscription_change();
                """);

            foreach (var table in Tables)
            {
                migrationBuilder.Sql(
                    $"CREATE TRIGGER {table}_notify_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION notify_all_changed();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_notify_truncate ON {table};");
            }

            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS app_subscriptions_notify ON app_subscriptions;
                DROP TRIGGER IF EXISTS apps_notify ON apps;
                DROP TRIGGER IF EXISTS api_keys_notify_update ON api_keys;
                DROP TRIGGER IF EXISTS api_keys_notify ON api_keys;
                DROP TRIGGER IF EXISTS accounts_notify ON accounts;
                DROP FUNCTION IF EXISTS notify_all_changed();
                DROP FUNCTION IF EXISTS notify_app_subscription_change();
                DROP FUNCTION IF EXISTS notify_app_change();
                DROP FUNCTION IF EXISTS notify_api_key_change();
                DROP FUNCTION IF EXISTS notify_account_change();
                """);
        }
    }
}
