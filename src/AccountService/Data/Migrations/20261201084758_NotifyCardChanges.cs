using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccountService.Data.Migrations
{
    /// <summary>
    /// A customer's last known card forgotten (a webhook told of a new card, or an operator deleted it) raises
    /// <c>c:&lt;customer id&gt;</c> on <c>account_changes</c>, so every replica drops its cached card too.
    /// </summary>
    public partial class NotifyCardChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_card_forgotten() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('account_changes', 'c:' || OLD.stripe_customer_id);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER last_known_cards_notify AFTER DELETE ON last_known_cards
                    FOR EACH ROW EXECUTE FUNCTION notify_card_forgotten();
                CREATE TRIGGER last_known_cards_notify_truncate AFTER TRUNCATE ON last_known_cards
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_all_changed();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS last_known_cards_notify_truncate ON last_known_cards;
                DROP TRIGGER IF EXISTS last_known_cards_notify ON last_known_cards;
                DROP FUNCTION IF EXISTS notify_card_forgotten();
                """);
        }
    }
}
