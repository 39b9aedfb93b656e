using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccountService.Data.Migrations
{
    /// <inheritdoc />
    public partial class IndexAppsInByteOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_apps_account_id_name_id",
                table: "apps");

            migrationBuilder.CreateIndex(
                name: "ix_apps_account_id_name_id",
                table: "apps",
                columns: new[] { "account_id", "name", "id" })
                .Annotation("Relational:Collation", new[] { null, "C", "C" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_apps_account_id_name_id",
                table: "apps");

            migrationBuilder.CreateIndex(
                name: "ix_apps_account_id_name_id",
                table: "apps",
                columns: new[] { "account_id", "name", "id" });
        }
    }
}
