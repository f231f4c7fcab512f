import type { Client } from '@microsoft/microsoft-graph-client';
import type { LicenceDirectory } from '../ports';

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** Licences through Microsoft Graph (User.ReadWrite.All / LicenseAssignment.ReadWrite.All for the app). */
export class GraphLicenceDirectory implements LicenceDirectory {
  private skus: { at: number; byPart: Map<string, string> } | undefined;

  constructor(private readonly graph: Client, private readonly cacheMs = 10 * 60_000) {}

  async skuIds(partNumbers: string[]): Promise<Map<string, string>> {
    // The tenant's subscriptions change a few times a year: read once per ten minutes, not per person.
    if (!this.skus || Date.now() - this.skus.at > this.cacheMs) {
      const byPart = new Map<string, string>();
      for (const sku of await this.all<{ skuId: string; skuPartNumber: string }>('/subscribedSkus?$select=skuId,skuPartNumber')) byPart.set(sku.skuPartNumber, sku.skuId);
      this.skus = { at: Date.now(), byPart };
    }
    const found = new Map<string, string>();
    for (const p of partNumbers) if (this.skus.byPart.has(p)) found.set(p, this.skus.byPart.get(p)!);
    return found;
  }

  async assigned(userId: string): Promise<string[]> {
    return (await this.all<{ skuId: string }>(`/users/${encodeURIComponent(userId)}/licenseDetails?$select=skuId`)).map((l) => l.skuId);
  }

  async change(userId: string, add: string[], remove: string[]): Promise<void> {
    await this.graph.api(`/users/${encodeURIComponent(userId)}/assignLicense`).post({ addLicenses: add.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: remove });
  }

  private async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = (await this.graph.api(next).get()) as Page<T>;
      items.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return items;
  }
}
